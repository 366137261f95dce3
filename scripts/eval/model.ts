/**
 * The model-file scanner (issue 6) on `model_supply_chain/`: picklescan's test fixtures, labelled
 * `malicious`, `benign` or `not_a_model`. These files are live exploits: they are only parsed by
 * `scanModelPaths`, never loaded, and no Python runs. A file is "flagged" when its verdict is
 * malicious or suspicious (what `--strict` fails on); "malicious" alone is what fails without
 * `--strict`. A `not_a_model` file should come out `invalid`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { scanModelPaths, type FileReport, type Verdict } from "../../src/scan/model/index.js";
import { pct, table, type Section, type Target } from "./report.js";

interface ManifestRow {
  file: string;
  label: "malicious" | "benign" | "not_a_model";
  family: string;
  container: string;
}

export interface ModelFileResult {
  file: string;
  label: ManifestRow["label"];
  container: string;
  verdict: Verdict;
  /** The first critical finding (or the first finding), for the table. */
  why: string;
}

const TITLE = "Model-file scanner (model_supply_chain/, issue 6)";

/** Scans every file the manifest lists; the verdict of the file itself (members folded in). */
export function scanSupplyChain(dataDir: string): { results: ModelFileResult[]; bytes: number; ms: number } {
  const base = join(dataDir, "model_supply_chain");
  const rows = readFileSync(join(base, "manifest.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ManifestRow);
  const results: ModelFileResult[] = [];
  let bytes = 0;
  const t0 = performance.now();
  for (const row of rows) {
    const path = join(base, row.file);
    bytes += statSync(path).size;
    const reports: FileReport[] = scanModelPaths([path]).files;
    const own = reports.find((r) => r.path === path) ?? reports[0];
    const all = reports.flatMap((r) => r.findings);
    const first = all.find((f) => f.severity === "critical") ?? all[0];
    results.push({
      file: row.file.replace(/^files\//, ""),
      label: row.label,
      container: row.container,
      verdict: own?.verdict ?? "invalid",
      why: first ? `${first.kind}: ${first.detail}` : "",
    });
  }
  return { results, bytes, ms: performance.now() - t0 };
}

const flagged = (v: Verdict) => v === "malicious" || v === "suspicious";

export function evaluateModelScanner(dataDir: string): Section {
  if (!existsSync(join(dataDir, "model_supply_chain", "manifest.jsonl"))) {
    return {
      title: TITLE,
      markdown: ["`model_supply_chain/manifest.jsonl` not found: skipped."],
      json: {},
      targets: [],
    };
  }
  const { results, bytes, ms } = scanSupplyChain(dataDir);
  const by = (label: string) => results.filter((r) => r.label === label);
  const count = (rs: ModelFileResult[], v: Verdict) => rs.filter((r) => r.verdict === v).length;
  const malicious = by("malicious");
  const benign = by("benign");
  const notModel = by("not_a_model");
  const recall = malicious.filter((r) => flagged(r.verdict)).length / Math.max(1, malicious.length);
  const recallDefault = count(malicious, "malicious") / Math.max(1, malicious.length);
  const benignFlagged = benign.filter((r) => r.verdict !== "clean").length;
  const summary = ["malicious", "benign", "not_a_model"].map((label) => {
    const rs = by(label);
    return [
      label,
      String(rs.length),
      String(count(rs, "malicious")),
      String(count(rs, "suspicious")),
      String(count(rs, "invalid")),
      String(count(rs, "clean")),
    ];
  });
  const missed = results.filter(
    (r) =>
      (r.label === "malicious" && !flagged(r.verdict)) || (r.label === "benign" && r.verdict !== "clean"),
  );
  const perFile = results.map((r) => [
    `\`${r.file}\``,
    r.label,
    r.container,
    r.verdict,
    r.why.length > 90 ? `${r.why.slice(0, 90)}…` : r.why,
  ]);
  const targets: Target[] = [
    {
      name: "Model files: malicious files flagged (issue 6)",
      goal: "100%",
      measured: `${pct(recall)} (${malicious.length - missed.filter((r) => r.label === "malicious").length}/${malicious.length}); ${pct(recallDefault)} malicious without --strict`,
      met: recall === 1,
    },
    {
      name: "Model files: benign files flagged (issue 6)",
      goal: "0",
      measured: `${benignFlagged} of ${benign.length}`,
      met: benignFlagged === 0,
    },
  ];
  const markdown = [
    "`portcullis scan model` on every file of `model_supply_chain/manifest.jsonl` (picklescan's test fixtures; " +
      "live exploits, parsed and never loaded). Flagged = verdict `malicious` or `suspicious` (`--strict` fails on both); " +
      "without `--strict` only `malicious` fails. The verdict is the file's own, with archive members folded in.",
    "",
    ...table(
      ["label", "files", "malicious", "suspicious", "invalid", "clean"],
      summary,
      "--- | ---: | ---: | ---: | ---: | ---:",
    ),
    "",
    `Malicious files flagged: **${pct(recall)}** (${pct(recallDefault)} with verdict \`malicious\`). ` +
      `Benign files flagged: **${benignFlagged} of ${benign.length}**. ` +
      `Not-a-model files reported \`invalid\`: ${count(notModel, "invalid")} of ${notModel.length}. ` +
      `${results.length} files, ${(bytes / 1024).toFixed(0)} KiB scanned in ${ms.toFixed(0)} ms (one process, including file reads).`,
    "",
    missed.length
      ? `Misses: ${missed.map((r) => `\`${r.file}\` (${r.label}, ${r.verdict})`).join(", ")}.`
      : "No misses.",
    "",
    "<details><summary>Every file</summary>",
    "",
    ...table(
      ["file", "label", "container", "verdict", "first finding"],
      perFile,
      "--- | --- | --- | --- | ---",
    ),
    "",
    "</details>",
  ];
  return {
    title: TITLE,
    markdown,
    json: { files: results.length, recall, recallDefault, benignFlagged, bytes, ms, results },
    targets,
  };
}
