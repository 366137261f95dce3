/**
 * The shipped phrase table (`suites/translations.yaml`): attack sentences with hand-written
 * translations. Translation is by whole phrases, longest first, so no machine translation and no
 * network is needed; the price is coverage: a text is translated only when the table covers at
 * least `minCoverage` of its letters, else the variant is skipped rather than sent half-English.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

const tableSchema = z
  .object({
    languages: z.record(z.string().regex(/^[a-z]{2}$/), z.string().min(1)),
    phrases: z.array(z.record(z.string(), z.string().min(1))).min(1),
  })
  .strict();

export interface PhraseTable {
  languages: string[];
  names: Record<string, string>;
  /** The text translated into `lang`, or null when the table covers too little of it. */
  translate(text: string, lang: string): string | null;
}

interface Entry {
  pattern: RegExp;
  translations: Record<string, string>;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function letters(s: string): number {
  return (s.match(/\p{L}/gu) ?? []).length;
}

export function createPhraseTable(raw: unknown, minCoverage = 0.6): PhraseTable {
  const data = tableSchema.parse(raw);
  const languages = Object.keys(data.languages);
  const entries: Entry[] = data.phrases
    .map((p, i) => {
      const en = p.en;
      if (!en) throw new TypeError(`translations: phrase ${i + 1} has no "en"`);
      for (const lang of languages) {
        if (!p[lang]) throw new TypeError(`translations: phrase "${en}" has no "${lang}"`);
      }
      // Whitespace in a phrase matches any run of whitespace; a trailing full stop is optional.
      const body = escape(en.trim().replace(/[.]$/, "")).replace(/\s+/g, "\\s+");
      return { en, pattern: new RegExp(`${body}\\.?`, "giu"), translations: p };
    })
    .sort((a, b) => b.en.length - a.en.length);
  return {
    languages,
    names: data.languages,
    translate(text, lang) {
      if (!languages.includes(lang)) return null;
      const total = letters(text);
      if (total === 0) return null;
      const pieces: string[] = [];
      let covered = 0;
      let out = text;
      for (const e of entries) {
        out = out.replace(e.pattern, (m) => {
          covered += letters(m);
          pieces.push(e.translations[lang] as string);
          // A private-use placeholder, so a later (shorter) phrase cannot match inside it.
          return `\ue000${pieces.length - 1}\ue001`;
        });
      }
      if (covered / total < minCoverage) return null;
      return out.replace(/\ue000(\d+)\ue001/g, (_, n: string) => pieces[Number(n)] as string);
    },
  };
}

export function loadPhraseTable(file: string): PhraseTable {
  return createPhraseTable(parse(readFileSync(file, "utf8")));
}
