/**
 * Redaction (issue 3, scope 6; STYLE.md §4: matched text leaves only through here).
 *
 * Styles:
 * - `mask`: `[EMAIL_1]`, numbered per kind in order of appearance; the same value gets the same
 *   number, so "a wrote to b, then b replied" keeps its meaning;
 * - `hash`: `[EMAIL_3f2a9c1b]`, the first 8 hex digits of HMAC-SHA-256 (RFC 2104) over kind and
 *   value, keyed; equal values hash equally across requests with the same key, and the key keeps
 *   the short digest from being reversed by enumerating likely values;
 * - `pseudonymise`: placeholders like `mask`, recorded in a per-request vault so that the
 *   original values can be put back into the model's answer (`vault.restore`, or a streaming
 *   restorer for chunked answers).
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Finding } from "./types.js";

export type RedactStyle = "mask" | "hash" | "pseudonymise";

export interface RedactOptions {
  /** Key for `hash`; default: a random key per process (stable within the process only). */
  key?: string | Uint8Array;
  /** Vault for `pseudonymise` (required for that style). */
  vault?: Vault;
}

/** Longest placeholder a vault issues (`[` + label of ≤ 40 + `_` + number of ≤ 6 + `]`). */
const MAX_LABEL = 40;
const MAX_PLACEHOLDER = MAX_LABEL + 9;
/** Characters a placeholder consists of, after the opening bracket. */
const PLACEHOLDER_BODY = /^\[[A-Z0-9_]*$/;

function labelOf(kind: string): string {
  const label = kind
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, MAX_LABEL);
  return label || "REDACTED";
}

let processKey: Buffer | undefined;

interface Range {
  start: number;
  end: number;
  label: string;
}

/**
 * The ranges to replace: findings with a valid span, overlapping ones merged into one range that
 * keeps the label of the finding that starts first (the widest at equal starts).
 */
function ranges(text: string, findings: readonly Finding[]): Range[] {
  const spans = findings
    .filter((f) => f.span && f.span[0] >= 0 && f.span[1] <= text.length && f.span[0] < f.span[1])
    .map((f) => ({
      start: (f.span as [number, number])[0],
      end: (f.span as [number, number])[1],
      label: labelOf(f.kind),
    }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Range[] = [];
  for (const r of spans) {
    const last = out[out.length - 1];
    if (last && r.start < last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Replaces every finding's span in `text` by a placeholder of the given style. */
export function redact(
  text: string,
  findings: readonly Finding[],
  style: RedactStyle = "mask",
  options: RedactOptions = {},
): string {
  const rs = ranges(text, findings);
  if (rs.length === 0) return text;
  let placeholder: (label: string, value: string) => string;
  if (style === "mask") {
    const numbers = new Map<string, number>();
    const counters = new Map<string, number>();
    placeholder = (label, value) => {
      const key = `${label}\u0000${value}`;
      let n = numbers.get(key);
      if (n === undefined) {
        n = (counters.get(label) ?? 0) + 1;
        counters.set(label, n);
        numbers.set(key, n);
      }
      return `[${label}_${n}]`;
    };
  } else if (style === "hash") {
    const key = options.key ?? (processKey ??= randomBytes(32));
    placeholder = (label, value) =>
      `[${label}_${createHmac("sha256", key).update(`${label}\u0000${value}`).digest("hex").slice(0, 8)}]`;
  } else if (style === "pseudonymise") {
    const vault = options.vault;
    if (!vault) throw new TypeError('redact(…, "pseudonymise") needs options.vault (createVault())');
    placeholder = (label, value) => vault.placeholder(label, value);
  } else {
    throw new TypeError(`unknown redaction style "${String(style)}"`);
  }
  let out = "";
  let at = 0;
  for (const r of rs) {
    out += text.slice(at, r.start) + placeholder(r.label, text.slice(r.start, r.end));
    at = r.end;
  }
  return out + text.slice(at);
}

/** Puts original values back into streamed text, chunk by chunk. */
export interface StreamRestorer {
  /** Returns the restored text that is safe to send now (may hold back a partial placeholder). */
  push(chunk: string): string;
  /** Returns whatever was held back; call once at the end of the stream. */
  end(): string;
  /** Characters currently held back (a partial placeholder). */
  readonly pending: number;
}

export interface Vault {
  /** The placeholder for a value (issuing a new one the first time the value is seen). */
  placeholder(label: string, value: string): string;
  /** Replaces every placeholder this vault issued by its original value. */
  restore(text: string): string;
  /**
   * A restorer for streamed text: a placeholder split across chunks is held back until it is
   * complete; at most one partial placeholder (≤ 49 characters) is ever held.
   */
  restorer(): StreamRestorer;
  /** Number of values recorded. */
  readonly size: number;
}

export interface VaultOptions {
  /** Values one request may record: bounds memory when a text has thousands of findings. */
  maxEntries?: number;
}

/**
 * A per-request vault for `pseudonymise`. Keep it with the request and drop it afterwards; it
 * holds the original values in memory only.
 */
export function createVault(options: VaultOptions = {}): Vault {
  const maxEntries = options.maxEntries ?? 10_000;
  const byValue = new Map<string, string>();
  const byPlaceholder = new Map<string, string>();
  const counters = new Map<string, number>();

  const restore = (text: string): string => {
    if (byPlaceholder.size === 0 || !text.includes("[")) return text;
    let out = "";
    let last = 0;
    for (let i = text.indexOf("["); i >= 0; i = text.indexOf("[", i + 1)) {
      const limit = Math.min(text.length, i + MAX_PLACEHOLDER);
      let j = i + 1;
      while (j < limit && text.charCodeAt(j) !== 0x5d && text.charCodeAt(j) !== 0x5b) j++;
      if (j >= limit || text.charCodeAt(j) !== 0x5d) continue;
      const value = byPlaceholder.get(text.slice(i, j + 1));
      if (value === undefined) continue;
      out += text.slice(last, i) + value;
      last = j + 1;
      i = j;
    }
    return last === 0 ? text : out + text.slice(last);
  };

  return {
    placeholder(label, value) {
      const key = `${label}\u0000${value}`;
      const existing = byValue.get(key);
      if (existing) return existing;
      const n = (counters.get(label) ?? 0) + 1;
      const ph = `[${labelOf(label)}_${n}]`;
      if (byValue.size >= maxEntries) return ph; // redacted, but no longer reversible
      counters.set(label, n);
      byValue.set(key, ph);
      byPlaceholder.set(ph, value);
      return ph;
    },
    restore,
    restorer() {
      let held = "";
      return {
        get pending() {
          return held.length;
        },
        push(chunk) {
          const buf = held + chunk;
          held = "";
          const open = buf.lastIndexOf("[");
          if (open >= 0 && buf.length - open < MAX_PLACEHOLDER && PLACEHOLDER_BODY.test(buf.slice(open))) {
            held = buf.slice(open);
            return restore(buf.slice(0, open));
          }
          return restore(buf);
        },
        end() {
          const rest = held;
          held = "";
          return restore(rest);
        },
      };
    },
    get size() {
      return byPlaceholder.size;
    },
  };
}
