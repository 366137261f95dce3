/**
 * The text decoders Python's unpickler applies to string opcodes, written out so that the
 * scanner reads module and attribute names exactly as `pickle.load` would (a scanner that
 * decodes differently can be steered to a different name than the one imported).
 */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * UTF-8 with Python's `surrogatepass` error handler (BINUNICODE, SHORT_BINUNICODE, BINUNICODE8):
 * encoded lone surrogates (ED A0..BF xx) are accepted; anything else invalid throws.
 */
export function decodeUtf8Surrogatepass(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Fall through to the slow path, which also accepts encoded surrogates.
  }
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i += 1;
      continue;
    }
    const need = b0 >= 0xf0 && b0 <= 0xf4 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc2 && b0 < 0xe0 ? 1 : -1;
    if (need < 0 || i + need >= bytes.length) throw new Error(`invalid UTF-8 at byte ${i}`);
    let cp = b0 & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k] as number;
      if ((b & 0xc0) !== 0x80) throw new Error(`invalid UTF-8 at byte ${i + k}`);
      cp = (cp << 6) | (b & 0x3f);
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff) throw new Error(`invalid UTF-8 at byte ${i}`);
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 4096)));
  }
  return out;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * Python's `raw-unicode-escape` decoding (UNICODE opcode `V`): latin-1 bytes in which
 * `\uXXXX` and `\UXXXXXXXX` are escapes when preceded by an odd run of backslashes.
 */
export function decodeRawUnicodeEscape(bytes: Uint8Array): string {
  const s = latin1(bytes);
  let out = "";
  let i = 0;
  while (i < s.length) {
    const ch = s[i] as string;
    if (ch !== "\\") {
      out += ch;
      i++;
      continue;
    }
    let run = 0;
    while (s[i + run] === "\\") run++;
    const next = s[i + run];
    if (run % 2 === 1 && (next === "u" || next === "U")) {
      out += "\\".repeat(run - 1);
      const width = next === "u" ? 4 : 8;
      const hex = s.slice(i + run + 1, i + run + 1 + width);
      if (hex.length !== width || !HEX.test(hex)) throw new Error("truncated \\uXXXX escape");
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw new Error("\\Uxxxxxxxx out of range");
      out += String.fromCodePoint(cp);
      i += run + 1 + width;
    } else {
      out += "\\".repeat(run);
      i += run;
    }
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/**
 * The STRING opcode (`S`): a quoted Python 2 literal decoded with `codecs.escape_decode`
 * (octal, `\xhh` and the single-letter escapes), read as latin-1.
 */
export function decodeQuotedString(bytes: Uint8Array): string {
  const s = latin1(bytes);
  if (s.length < 2 || s[0] !== s[s.length - 1] || (s[0] !== "'" && s[0] !== '"')) {
    throw new Error("the STRING opcode argument must be quoted");
  }
  const body = s.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) throw new Error("trailing \\ in string");
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (next >= "0" && next <= "7") {
      let j = i + 1;
      let digits = "";
      while (
        j < body.length &&
        digits.length < 3 &&
        (body[j] as string) >= "0" &&
        (body[j] as string) <= "7"
      ) {
        digits += body[j];
        j++;
      }
      out += String.fromCharCode(parseInt(digits, 8) & 0xff);
      i = j - 1;
    } else if (next === "x") {
      const hex = body.slice(i + 2, i + 4);
      if (hex.length !== 2 || !HEX.test(hex)) throw new Error("invalid \\x escape");
      out += String.fromCharCode(parseInt(hex, 16));
      i += 3;
    } else {
      out += "\\" + next;
      i++;
    }
  }
  return out;
}

export { latin1 as decodeLatin1 };
