/**
 * Keras model configs (the `config.json` of a .keras zip, the `model_config` attribute of a
 * legacy .h5 file). A `Lambda` layer carries Python bytecode (marshal, base64) that Keras runs
 * when the model is built — any depth: inside Sequential, Functional, nested models, wrappers
 * such as TimeDistributed or Bidirectional. Keras 3 configs also name a `module` and
 * `class_name` to import for every object; a module outside Keras names arbitrary code
 * (CVE-2025-1550), and some Keras functions reachable this way download or load files.
 */
import { classifyGlobal } from "../policy.js";
import type { Finding } from "../types.js";

const KERAS_MODULES = /^(keras|tf_keras|tensorflow\.keras|tensorflow\.python\.keras)(\.|$)/;
/** Keras callables that a config can name and that reach files, the network or unsafe loading. */
const KERAS_DANGEROUS =
  /(^|\.)(enable_unsafe_deserialization|get_file|load_model|load_weights|TFSMLayer|model_from_json|model_from_yaml|deserialize_keras_object)$/;
/** TFOpLambda calls a TensorFlow op by name: these reach files, the process or Python. */
const TF_OP_DANGEROUS =
  /^(io\.|compat\.v1\.io\.|debugging\.|py_function|numpy_function|compat\.v1\.py_func|print|summary\.|saved_model\.)/;

const MAX_DEPTH = 200;

export function checkKerasConfig(config: unknown, offset: number, where: string): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth > MAX_DEPTH || v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
      return;
    }
    const o = v as Record<string, unknown>;
    const cls = typeof o.class_name === "string" ? o.class_name : undefined;
    const cfg = (o.config ?? {}) as Record<string, unknown>;
    const name = typeof cfg.name === "string" ? ` ${JSON.stringify(cfg.name)}` : "";
    if (cls === "Lambda") {
      const fn = cfg.function;
      const bytecode =
        cfg.function_type === "lambda" ||
        Array.isArray(fn) ||
        (typeof fn === "object" &&
          fn !== null &&
          (fn as Record<string, unknown>).class_name === "__lambda__");
      out.push({
        kind: "lambda-layer",
        severity: bytecode ? "critical" : "medium",
        offset,
        detail: bytecode
          ? `${where} ${path}: Lambda layer${name} carries Python bytecode that runs when the model is loaded (legacy loaders, or safe_mode=False)`
          : `${where} ${path}: Lambda layer${name} calls a named Python function on load`,
      });
    } else if (cls === "__lambda__") {
      out.push({
        kind: "lambda-layer",
        severity: "critical",
        offset,
        detail: `${where} ${path}: serialized Python lambda (bytecode)`,
      });
    }
    if (
      (cls === "TFOpLambda" || cls === "SlicingOpLambda") &&
      typeof cfg.function === "string" &&
      TF_OP_DANGEROUS.test(cfg.function)
    ) {
      out.push({
        kind: "keras-tf-op",
        severity: "critical",
        offset,
        detail: `${where} ${path}: TFOpLambda${name} calls tf.${cfg.function} (file, process or Python access)`,
      });
    }
    if (typeof o.module === "string" && cls) {
      const full = `${o.module}.${cls}`;
      if (KERAS_MODULES.test(o.module)) {
        if (KERAS_DANGEROUS.test(full)) {
          out.push({
            kind: "keras-dangerous-object",
            severity: "critical",
            offset,
            detail: `${where} ${path}: config names ${full}, which loads files or code`,
          });
        }
      } else if (
        o.module !== "builtins" ||
        !["dict", "list", "tuple", "str", "int", "float", "bool"].includes(cls)
      ) {
        const c = classifyGlobal(o.module, cls);
        out.push({
          kind: c.level === "dangerous" ? "keras-dangerous-object" : "keras-custom-object",
          severity: c.level === "dangerous" ? "critical" : "medium",
          offset,
          detail: `${where} ${path}: config imports ${full}${c.level === "dangerous" ? `: ${c.reason}` : " (custom code outside Keras runs on load)"}`,
        });
      }
    }
    for (const [k, child] of Object.entries(o)) walk(child, depth + 1, `${path}.${k}`);
  };
  walk(config, 0, "$");
  return out;
}

/**
 * Finds JSON objects that start with `{"class_name"` (or `{"module"`) anywhere in raw bytes: the
 * robust fallback for HDF5 layouts the structured reader does not cover. Bounded by `maxLen`.
 */
export function findConfigObjects(bytes: Uint8Array, maxLen: number): { offset: number; value: unknown }[] {
  const out: { offset: number; value: unknown }[] = [];
  const markers = ['{"class_name"', '{"module"'].map((m) => new TextEncoder().encode(m));
  let i = 0;
  while (i < bytes.length && out.length < 64) {
    let at = -1;
    for (const m of markers) {
      const j = indexOf(bytes, m, i);
      if (j >= 0 && (at < 0 || j < at)) at = j;
    }
    if (at < 0) break;
    const end = matchBrace(bytes, at, maxLen);
    if (end > 0) {
      try {
        out.push({ offset: at, value: JSON.parse(new TextDecoder().decode(bytes.subarray(at, end))) });
        i = end;
        continue;
      } catch {
        // not JSON after all: keep looking
      }
    }
    i = at + 1;
  }
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  for (
    let i = hay.indexOf(first, from);
    i >= 0 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    let ok = true;
    for (let k = 1; k < needle.length; k++) {
      if (hay[i + k] !== needle[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

/** End (exclusive) of the JSON object starting at `start`, honouring strings; -1 if none within maxLen. */
function matchBrace(b: Uint8Array, start: number, maxLen: number): number {
  let depth = 0;
  let inString = false;
  const stop = Math.min(b.length, start + maxLen);
  for (let i = start; i < stop; i++) {
    const c = b[i] as number;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === 0) return -1;
  }
  return -1;
}

export { indexOf as bytesIndexOf };
