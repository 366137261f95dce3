/**
 * Builds the pattern for a "provider word near an assignment" rule: a provider keyword, an
 * identifier tail that names a secret (key, token, secret, password, …, or the keyword itself ends
 * in one), an optional quote, an operator (or whitespace), and the value shape. Bounded
 * quantifiers and a literal start keep it linear.
 */
export function assigned(keywords: string, value: string, flags = "gi"): RegExp {
  const secretWord = "key|token|secret|pass|auth|pat|cred|sid|pwd|license|login";
  return new RegExp(
    `(?:${keywords})(?:[\\w.\\-]{0,30}?(?:${secretWord})|(?<=key|token|secret|pass|passwd|password|pat|pwd|sid|auth|login))[\\w.\\-]{0,20}?["'\\]]{0,2}[ \\t]{0,3}(?:=>|:=|[:=]|[ \\t])[ \\t]{0,3}["'\`]?(${value})(?![A-Za-z0-9])`,
    flags,
  );
}
