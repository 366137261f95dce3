/**
 * Splits a byte stream into lines without holding more than one line (bounded by `maxLineBytes`)
 * in memory. An over-long line is reported as an error and skipped to its end, so one hostile
 * line cannot exhaust memory or stop the scan. LF and CRLF line ends; a UTF-8 BOM at the start
 * is dropped; invalid UTF-8 becomes U+FFFD (the detectors see what a reader would).
 */

export type LineItem = { text: string; bytes: number } | { error: string; bytes: number };

export async function* splitLines(
  chunks: AsyncIterable<Buffer | string>,
  maxLineBytes = 64 * 1024 * 1024,
): AsyncGenerator<LineItem> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let first = true;
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
  const emit = (buf: Buffer): LineItem => {
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 13) end--;
    let text = decoder.decode(buf.subarray(0, end));
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return { text, bytes: buf.length + 1 };
  };
  for await (const chunk of chunks) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(10, start);
      const end = nl < 0 ? buf.length : nl;
      if (skipping) {
        size += end - start;
      } else if (size + (end - start) > maxLineBytes) {
        skipping = true;
        size += end - start;
        parts = [];
      } else {
        parts.push(buf.subarray(start, end));
        size += end - start;
      }
      if (nl < 0) break;
      if (skipping) {
        yield { error: `a line longer than ${maxLineBytes} bytes`, bytes: size + 1 };
        first = false;
      } else {
        yield emit(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
      }
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
  }
  if (skipping) yield { error: `a line longer than ${maxLineBytes} bytes`, bytes: size };
  else if (size > 0) {
    const item = emit(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
    yield { ...item, bytes: size };
  }
}
