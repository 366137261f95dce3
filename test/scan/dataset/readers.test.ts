import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { CsvParser, splitLines, toSample } from "../../../src/scan/dataset/index.js";
import { detectFormat, htmlToText, readRows, type RawRow } from "../../../src/scan/dataset/source.js";

const dir = mkdtempSync(join(tmpdir(), "pcx-dataset-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function rows(path: string): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const r of readRows(path, await detectFormat(path))) out.push(r);
  return out;
}

describe("input formats", () => {
  it("JSONL: rows numbered from 1 over data rows; blank lines skipped; bad JSON is an unreadable row", async () => {
    const path = file("a.jsonl", '\uFEFF{"text":"one"}\n\n{"text":"two"}\r\nnot json\n{"text":"four"}');
    expect(await detectFormat(path)).toBe("jsonl");
    const got = await rows(path);
    expect(got.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(got.map((r) => (r.value as { text?: string } | undefined)?.text)).toEqual([
      "one",
      "two",
      undefined,
      "four",
    ]);
    expect(got[2]?.error).toBe("not valid JSON");
  });

  it("JSON arrays are rows too", async () => {
    const got = await rows(file("a.json", JSON.stringify([{ text: "x" }, { text: "y" }])));
    expect(got.map((r) => (r.value as { text: string }).text)).toEqual(["x", "y"]);
  });

  it("CSV: header, quoted commas and newlines, doubled quotes; the header is not a row", async () => {
    const path = file("a.csv", 'text,label\n"hello, world",1\n"two\nlines ""quoted""",0\nplain,1\n');
    const got = await rows(path);
    expect(got.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(got.map((r) => r.value)).toEqual([
      { text: "hello, world", label: "1" },
      { text: 'two\nlines "quoted"', label: "0" },
      { text: "plain", label: "1" },
    ]);
  });

  it("TSV", async () => {
    const got = await rows(file("a.tsv", "text\tlabel\na b\tpos\n"));
    expect(got[0]?.value).toEqual({ text: "a b", label: "pos" });
  });

  it("Parquet (hyparquet), read in slices", async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `row number ${i}`);
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "text", data: texts, type: "STRING" },
        { name: "label", data: texts.map((_, i) => i % 2), type: "INT32" },
      ],
    });
    const path = file("a.parquet", new Uint8Array(buffer));
    expect(await detectFormat(path)).toBe("parquet");
    const got = await rows(path);
    expect(got).toHaveLength(5000);
    expect(got[4999]?.line).toBe(5000);
    expect(got[4999]?.value).toMatchObject({ text: "row number 4999", label: 1 });
  });

  it("a file that claims to be Parquet but is not is refused", async () => {
    const path = file("bad.parquet", "PAR1 this is not parquet at all");
    await expect(rows(path)).rejects.toThrow(/not a readable Parquet file/);
  });

  it("plain text: one row per non-empty line", async () => {
    const got = await rows(file("a.txt", "first\n\nsecond\n"));
    expect(got.map((r) => [r.line, r.text])).toEqual([
      [1, "first"],
      [2, "second"],
    ]);
  });

  it("a folder of documents: text, Markdown and HTML (hidden parts kept, scripts dropped)", async () => {
    const root = join(dir, "docs");
    mkdirSync(join(root, "sub"), { recursive: true });
    writeFileSync(join(root, "a.txt"), "plain document");
    writeFileSync(join(root, "sub", "b.md"), "# Title\nbody");
    writeFileSync(
      join(root, "c.html"),
      '<p>Visible &amp; fine</p><!-- hidden note --><img alt="alt text"><script>var x=1</script>',
    );
    writeFileSync(join(root, "ignored.bin"), "binary");
    expect(await detectFormat(root)).toBe("folder");
    const got = await rows(root);
    expect(got.map((r) => r.source)).toEqual(["a.txt", "c.html", "sub/b.md"]);
    const html = got[1]?.text ?? "";
    expect(html).toContain("Visible & fine");
    expect(html).toContain("hidden note");
    expect(html).toContain("alt text");
    expect(html).not.toContain("var x");
  });

  it("htmlToText decodes numeric entities", () => {
    expect(htmlToText("a&#65;&#x42;c")).toBe("aABc");
  });
});

describe("row shapes", () => {
  it("chat rows: system and user turns are the input, assistant turns the answer", () => {
    const s = toSample(
      {
        messages: [
          { role: "system", content: "sys" },
          { role: "user", content: [{ type: "text", text: "question" }] },
          { role: "assistant", content: "I'm sorry, I cannot help." },
        ],
      },
      {},
    );
    expect(s).toMatchObject({
      input: "sys\nquestion",
      answer: "I'm sorry, I cannot help.",
      label: "refusal",
    });
  });

  it("ShareGPT conversations and prompt/completion pairs", () => {
    expect(
      toSample(
        {
          conversations: [
            { from: "human", value: "hi" },
            { from: "gpt", value: "Sure, here it is" },
          ],
        },
        {},
      ),
    ).toMatchObject({ input: "hi", label: "affirmation" });
    expect(toSample({ prompt: "p", completion: "one two three four" }, {})).toMatchObject({
      input: "p",
      answer: "one two three four",
      label: "starts:one two three",
    });
    expect(toSample({ instruction: "do", input: "this", output: "done it now" }, {})).toMatchObject({
      input: "do\nthis",
    });
  });

  it("--field (dotted) and --label-field; a missing field is a reason, not a crash", () => {
    expect(toSample({ a: { b: "deep" }, y: 3 }, { field: "a.b", labelField: "y" })).toEqual({
      text: "deep",
      input: "deep",
      label: "3",
    });
    expect(toSample({ text: "t" }, { labelField: "label" })).toHaveProperty("error");
    expect(toSample({ other: 1 }, { field: "text" })).toHaveProperty("error");
    expect(toSample([1, 2], {})).toHaveProperty("error");
  });
});

describe("parsers on random input (property tests)", () => {
  const parseAll = (chunks: string[], delimiter = ",") => {
    const p = new CsvParser({ delimiter, maxFieldChars: 64, maxFields: 8 });
    const out = chunks.flatMap((c) => p.push(c));
    return [...out, ...p.end()];
  };

  it("the CSV parser never throws and gives the same records however the input is cut", () => {
    const alphabet = fc.constantFrom("a", "b", ",", '"', "\n", "\r", " ", "é", "\t");
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 300 }).map((a) => a.join("")),
        fc.array(fc.nat(300), { maxLength: 6 }),
        (text, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let at = 0;
          for (const p of points) {
            chunks.push(text.slice(at, p));
            at = p;
          }
          chunks.push(text.slice(at));
          const whole = parseAll([text]);
          expect(parseAll(chunks)).toEqual(whole);
          for (const r of whole) {
            if ("fields" in r) {
              expect(r.fields.length).toBeLessThanOrEqual(8);
              for (const f of r.fields) expect(f.length).toBeLessThanOrEqual(64);
            } else expect(typeof r.error).toBe("string");
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("the CSV parser round-trips fields it is given quoted", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ maxLength: 10 }), { minLength: 2, maxLength: 4 }), { maxLength: 20 }),
        (table) => {
          const text = table.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(",")).join("\r\n");
          const p = new CsvParser();
          const got = [...p.push(text), ...p.end()];
          expect(got).toEqual(table.map((fields) => ({ fields })));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the line splitter never throws on random bytes and bounds every line", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), async (chunks) => {
        const items = [];
        for await (const item of splitLines(
          (async function* () {
            for (const c of chunks) yield Buffer.from(c);
          })(),
          32,
        )) {
          items.push(item);
        }
        const newlines = chunks.reduce((a, c) => a + c.filter((b) => b === 10).length, 0);
        expect(items.length).toBeGreaterThanOrEqual(newlines);
        expect(items.length).toBeLessThanOrEqual(newlines + 1);
        for (const item of items) {
          if ("text" in item) expect(Buffer.byteLength(item.text)).toBeLessThanOrEqual(32 * 3);
          else expect(item.error).toMatch(/longer than 32 bytes/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the JSONL reader turns any file into numbered rows or row errors, never a throw", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.json(), fc.string({ maxLength: 40 })), { maxLength: 12 }),
        async (lines) => {
          const path = file("p.jsonl", lines.join("\n"));
          const got = await rows(path);
          const nonBlank = lines
            .join("\n")
            .split("\n")
            .filter((l) => l.trim() !== "").length;
          expect(got.map((r) => r.line)).toEqual(Array.from({ length: nonBlank }, (_, i) => i + 1));
          for (const r of got) {
            if (r.error === undefined) toSample(r.value, { field: "text", labelField: "label" });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
