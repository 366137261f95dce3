import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, hashString, Lexicon, tokenize, TokenBuffer } from "../../../src/detect/pii/tokens.js";

// The word table answers, per token, what looking the lower-case string (or its folded key) up in
// each list would answer; these tests compare the two on texts that stress lower-casing.
const LISTS: Array<[number, string[]]> = [
  [1, ["the", "and", "straße", "müller", "strasse", "muller", "i̇stanbul", "σοφία", "oğuz", "ögon"]],
  [2, ["jørgen", "jorgen", "zoe", "ζωή", "иван", "łódź", "lodz", "s.a", "o'neil", "o’neil"]],
  [4, ["æsir", "aesir", "dvořák", "dvorak", "ǆemal", "çelik", "celik", "ss", "ﬁ"]],
];
const lex = new Lexicon();
for (const [bit, words] of LISTS) lex.add(bit, words);
const AND = lex.id("and");

function expected(word: string): { m: number; km: number; key: string } {
  const key = fold(word);
  let m = 0;
  let km = 0;
  for (const [bit, words] of LISTS) {
    if (words.includes(word)) m |= bit;
    if (words.includes(key)) km |= bit;
  }
  return { m, km, key };
}

function check(text: string): void {
  const fresh = tokenize(text, lex);
  const buf = new TokenBuffer(4);
  const reused = buf.tokenize(text, lex);
  expect(reused.length).toBe(fresh.length);
  fresh.forEach((t, k) => {
    const r = reused[k]!;
    expect([r.s, r.e, r.m, r.km, r.id, r.kh, r.len, r.cap]).toEqual([
      t.s,
      t.e,
      t.m,
      t.km,
      t.id,
      t.kh,
      t.len,
      t.cap,
    ]);
    if (t.nl || t.num) return;
    const low = text.slice(t.s, t.e).toLowerCase();
    const want = expected(low);
    expect({ word: low, m: t.m, km: t.km, len: t.len }).toEqual({
      word: low,
      m: want.m,
      km: want.km,
      len: low.length,
    });
    expect(t.low).toBe(low);
    expect(t.key).toBe(want.key);
    expect(t.kh).toBe(hashString(want.key));
    expect(t.id === AND).toBe(low === "and");
    // Name-shaped: capitalised, two or more characters, a lower-case letter after the first.
    const rest = [...text.slice(t.s + 1, t.e)];
    const shaped = t.cap && t.e - t.s >= 2 && rest.some((ch) => ch !== ch.toUpperCase());
    expect({ word: low, shaped: t.shaped }).toEqual({ word: low, shaped });
  });
  buf.release();
}

describe("pii tokens: word table lookups", () => {
  it("match string lookups on mixed scripts and case", () => {
    check("The Straße and STRASSE, Müller MULLER müller. İstanbul ISTANBUL ΣΟΦΊΑ Σοφία σοφία ΌΣΟΣ");
    check("Jørgen JORGEN Zoë ZOE Ζωή ΖΩΉ Иван ИВАН Łódź LODZ S.A. O'Neil O’Neil's Dvořák ǅemal Ǆemal");
    check("Æsir AESIR Çelik ÇELIK ß SS ﬁ Oğuz OĞUZ Ögon ÖGON the\nand 42 and's");
    check("ABC's Abc's Anna’s JOHN's O'Neil's x's Ab.Cd-Ef");
  });

  it("match string lookups on random text", () => {
    const alphabet = "aAeEsSıIİiσΣςöÖßøØłŁæÆžŽǅǆñÑ' .-\n1ﬁoO’";
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((a) => a.join("")),
        (text) => check(text),
      ),
      { numRuns: 300 },
    );
  });
});
