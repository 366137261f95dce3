import { entropy, obviouslyFake, type Extracted } from "./rule.js";
import { digitsOnly, identifierLike, lettersOnly, wordLike } from "./shape.js";

/*
 * The generic `name = value` rules. A regex only finds the keyword; this small parser reads the
 * identifier around it, the assignment operator and the value, all with bounded loops, so the
 * cost is linear in the text whatever it contains. Then the value is judged: placeholders,
 * references to variables or the environment, UUIDs, checksums and lock files are not secrets.
 */

function isIdChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46
  );
}
const isLower = (c: number) => c >= 97 && c <= 122;
const isSpace = (c: number) => c === 32 || c === 9;
const isQuote = (c: number) => c === 34 || c === 39 || c === 96;

/** Lower-case stems that may run straight into a keyword without a separator ("apikey"). */
const COMPOUND_STEMS = [
  "api",
  "auth",
  "access",
  "secret",
  "private",
  "client",
  "bot",
  "bearer",
  "refresh",
  "app",
  "user",
  "admin",
  "db",
  "my",
  "root",
  "master",
  "session",
  "consumer",
  "oauth",
  "deploy",
  "service",
  "webhook",
  "signing",
  "encryption",
  "license",
  "account",
  "login",
  "mysql",
  "postgres",
  "redis",
  "smtp",
  "mail",
  "ftp",
  "ldap",
  "sql",
  "jwt",
  "gh",
  "git",
  "npm",
  "pypi",
  "slack",
  "stripe",
  "aws",
  "azure",
  "gcp",
  "sas",
  "storage",
  "shared",
  "master",
  "keystore",
  "truststore",
  "wifi",
  "wpa",
  "vnc",
  "rdp",
  "sa",
  "pg",
];

/** Words before the keyword that make it something other than a credential ("public_key", "next_token"). */
const QUALIFIERS = new Set([
  "public",
  "pub",
  "primary",
  "foreign",
  "sort",
  "partition",
  "cache",
  "idempotency",
  "next",
  "page",
  "pagination",
  "continuation",
  "max",
  "min",
  "num",
  "total",
  "input",
  "output",
  "completion",
  "special",
  "pad",
  "eos",
  "bos",
  "unk",
  "mask",
  "sep",
  "cls",
  "hot",
  "range",
  "hash",
  "lookup",
  "dict",
  "map",
  "foreign",
  "unique",
  "composite",
  "sharding",
  "routing",
  "shard",
  "registry",
  "translation",
  "i18n",
]);

/** Last words that make the name metadata about a secret ("password_hash", "secret_name", "key_id"). */
const METADATA_LAST = new Set([
  "id",
  "ids",
  "name",
  "names",
  "type",
  "file",
  "path",
  "url",
  "uri",
  "endpoint",
  "length",
  "len",
  "policy",
  "hint",
  "label",
  "placeholder",
  "field",
  "header",
  "param",
  "regex",
  "pattern",
  "format",
  "version",
  "prefix",
  "suffix",
  "expiry",
  "expires",
  "expiration",
  "ttl",
  "timeout",
  "lifetime",
  "size",
  "limit",
  "usage",
  "used",
  "count",
  "hash",
  "hashed",
  "digest",
  "checksum",
  "fingerprint",
  "kid",
  "alg",
  "algorithm",
  "arn",
  "ref",
  "env",
  "var",
  "variable",
  "source",
  "dir",
  "mode",
  "enabled",
  "required",
  "visible",
  "display",
  "selector",
  "column",
  "index",
  "manager",
  "provider",
  "scope",
  "scopes",
  "audience",
  "issuer",
  "strength",
  "complexity",
  "rotation",
  "history",
  "prompt",
  "schema",
  "property",
  "attribute",
  "method",
  "class",
  "function",
  "handler",
  "callback",
  "validator",
  "encoder",
  "generator",
  "tokenizer",
  "counter",
  "bucket",
  "region",
  "host",
  "port",
  "user",
  "username",
  "login",
  "email",
  "owner",
  "author",
  "description",
  "title",
  "message",
  "error",
  "status",
  "state",
  "text",
  "button",
  "reset",
  "forgot",
  "min",
  "max",
  "rule",
  "rules",
  "mapping",
  "location",
  "locator",
  "loader",
  "reader",
  "list",
  "lists",
  "set",
  "map",
  "store",
  "vault",
  "ring",
  "chain",
  "pair",
  "spec",
  "template",
  "input",
]);

/** Whole values that are documentation placeholders or code, never credentials. */
const PLACEHOLDERS = new Set([
  "changeme",
  "change_me",
  "change-me",
  "changeit",
  "password",
  "passwd",
  "pass",
  "pwd",
  "secret",
  "token",
  "apikey",
  "api_key",
  "api-key",
  "key",
  "null",
  "none",
  "nil",
  "undefined",
  "true",
  "false",
  "empty",
  "blank",
  "string",
  "str",
  "int",
  "number",
  "boolean",
  "bool",
  "any",
  "object",
  "bytes",
  "required",
  "optional",
  "example",
  "sample",
  "dummy",
  "test",
  "testing",
  "placeholder",
  "redacted",
  "removed",
  "hidden",
  "masked",
  "notset",
  "not-set",
  "not_set",
  "unset",
  "default",
  "todo",
  "fixme",
  "tbd",
  "n/a",
  "na",
  "foo",
  "bar",
  "baz",
  "foobar",
  "qwerty",
  "123456",
  "12345678",
  "admin",
  "root",
  "guest",
  "user",
  "username",
  "xxx",
  "value",
  "your-key",
  "yourkey",
  "my-secret",
  "mysecret",
  "secret123",
  "password123",
  "s3cr3t",
  "p@ssw0rd",
  "letmein",
  "abc123",
  "insert",
  "replace",
  "abcdef.0123456789abcdef",
]);

/** Substrings that mark a placeholder value. */
const PLACEHOLDER_PARTS =
  /your[_\-. ]?|_here|-here|example|placeholder|changeme|change_me|replace[_-]?me|dummy|sample|redacted|fake|xxxx|<|>|\$\{|\{\{|%\(|\$\(|^\$[A-Za-z_]|^%[A-Za-z_]+%$|^@[a-z]|^env[.:[(]|process\.env|os\.environ|getenv|system\.getenv|config\.|settings\.|secrets\.|vault:|^\[|^\*+$|\bnull\b|\bundefined\b|^\/|^\.\/|^~\/|\.(?:pem|key|crt|txt|json|yaml|yml|env|p12|pfx|jks|js|ts|py|md|html|svg|png)$/i;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHECKSUM_CONTEXT =
  /(?:sha\d*|md5|checksum|integrity|digest|hash|commit|revision|etag|fingerprint|resolved)/i;
const LOCKFILE_MARKERS = ["lockfileVersion", "# yarn lockfile", "[[package]]", "integrity sha", "checksum ="];
/** `config.db.password`, `self.token`, `obj->key()`: short identifier segments (a JWT's are long). */
const IDENT_VALUE = /^[A-Za-z_$][\w$]{0,40}(?:(?:\.|->|::)[A-Za-z_$][\w$]{0,40})+(?:\(\))?$/;
const VERSION = /^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$/;
/** A value that ends in a credential word is a name for one ("ArrowToken$1", "secretKeyRef"). */
const CODE_WORD = /(?:Token|Secret|Password|Passwd|Key|Keys|Credentials?)(?:\$\d+)?$/;
const NUMERIC = /^[+-]?\d+(?:\.\d+)?[a-z]{0,2}$/i;
const DATE_VALUE = /^\d{4}-\d{2}-\d{2}/;

export type Family = "password" | "token";

interface Assignment {
  name: string;
  /** Where the name starts, to read the words before it ("guardian SECRET=…"). */
  nameStart: number;
  valueStart: number;
  valueEnd: number;
  quoted: boolean;
  weakOp: boolean;
  /** The character after an unquoted value (";" or ")" mean a code variable). */
  after: number;
  /** Compared with `==`/`!=`/`===`/`!==` rather than assigned. */
  compare?: boolean;
}

function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

const isBreak = (c: number) => c === 10 || c === 13;

/**
 * The token that is alone on the line after the break at `p` (indentation allowed), as
 * [start, end]; null when that line holds anything else or is empty.
 */
function lineToken(text: string, p: number): [number, number] | null {
  if (text.charCodeAt(p) === 13) p++;
  if (text.charCodeAt(p) === 10) p++;
  let sp = 0;
  while (p < text.length && sp < 16 && isSpace(text.charCodeAt(p))) {
    p++;
    sp++;
  }
  const vs = p;
  while (p < text.length && p - vs <= 2048 && text.charCodeAt(p) > 32) p++;
  const ve = p;
  while (p < text.length && isSpace(text.charCodeAt(p))) p++;
  if (ve === vs || (p < text.length && !isBreak(text.charCodeAt(p)))) return null;
  // A quoted or comma-ended line is the next item of a list or call, not a value.
  if (/["'`,;]/.test(text.slice(vs, ve))) return null;
  return [vs, ve];
}

/**
 * `providerSECRET-<token>` / `provider.PRIVATE.TOKEN-<token>`: the keyword is joined to the value
 * by a dash or dot inside one identifier-like run. Only long values qualify (judged as weak).
 */
function dashJoined(text: string, kwEnd: number, ne: number, name: string, ns: number): Assignment | null {
  for (let i = kwEnd; i < ne && i - kwEnd <= 12; i++) {
    const c = text.charCodeAt(i);
    if (c === 45 || c === 46 || c === 95) {
      if (ne - (i + 1) >= 16) {
        return {
          name,
          nameStart: ns,
          valueStart: i + 1,
          valueEnd: ne,
          quoted: false,
          weakOp: true,
          after: text.charCodeAt(ne),
        };
      }
      return null;
    }
  }
  return null;
}

/** Reads `name <op> value` around a keyword match; null when the shape is not an assignment. */
function parse(text: string, kwStart: number, kwEnd: number, keyword: string): Assignment | null {
  // Identifier boundaries.
  let ns = kwStart;
  while (ns > 0 && kwStart - ns < 64 && isIdChar(text.charCodeAt(ns - 1))) ns--;
  let ne = kwEnd;
  while (ne < text.length && ne - kwEnd < 40 && isIdChar(text.charCodeAt(ne))) ne++;
  const first = text.charCodeAt(kwStart);
  const prev = kwStart > 0 ? text.charCodeAt(kwStart - 1) : 0;
  // Keyword inside a longer lower-case word: "monkey", "compass", "turkey".
  if (isLower(prev) && isLower(first) && keyword !== "api") {
    const stem = text.slice(ns, kwStart).toLowerCase();
    // "speechtextaccess-<token>", "besttime_samplekey = <token>": an unknown stem is accepted only
    // before an operator (spaces allowed) or a dash, and then the value has to pass the checks of
    // the token family.
    let q = kwEnd;
    while (q < text.length && q - kwEnd < 4 && isSpace(text.charCodeAt(q))) q++;
    const op = text.charCodeAt(q);
    const joined = (q === kwEnd && op === 45) || op === 61 || op === 58;
    if (!COMPOUND_STEMS.some((s) => stem.endsWith(s)) && !(joined && keyword !== "pass" && keyword !== "pwd"))
      return null;
  }
  // Keyword continuing into a longer word: "keyboard", "tokenizer", "passenger", "secretary".
  const nextC = text.charCodeAt(kwEnd);
  if (kwEnd < ne && isLower(nextC) && isLower(text.charCodeAt(kwEnd - 1))) {
    const rest = text.slice(kwEnd, ne).toLowerCase();
    if (!/^(?:s|word|wd|phrase)?(?:[_.-]|$)/.test(rest) || (keyword !== "pass" && rest.startsWith("word")))
      return null;
    if (rest.startsWith("s") && !/^s(?:[_.-]|$)/.test(rest)) return null;
  }
  // "api" names a credential only as the last part of the name ("theoddsapi=…", not "api_url").
  if (keyword === "api" && ne !== kwEnd) return null;
  const name = text.slice(ns, ne);
  const words = splitWords(name);
  const kwWord = words.findIndex((w) => w.includes(keyword));
  if (words.slice(0, Math.max(kwWord, 0)).some((w) => QUALIFIERS.has(w))) return null;
  const last = words[words.length - 1] ?? "";
  if (words.length > 1 && METADATA_LAST.has(last) && !last.includes(keyword)) return null;

  // Operator.
  let p = ne;
  let closers = 0;
  while (p < text.length && closers < 2 && (isQuote(text.charCodeAt(p)) || text.charCodeAt(p) === 93)) {
    p++;
    closers++;
  }
  const nameQuoted = ns > 0 && isQuote(text.charCodeAt(ns - 1));
  let sp = 0;
  while (p < text.length && sp < 16 && isSpace(text.charCodeAt(p))) {
    p++;
    sp++;
  }
  let weakOp = false;
  let xml = false;
  const two = text.slice(p, p + 3);
  const compare = /^(?:===|!==|==|!=)/.test(two);
  if (two.startsWith("===") || two.startsWith("!==")) p += 3;
  else if (/^(?::=|=>|->|==|!=|<-)/.test(two)) p += 2;
  else if (two[0] === "=" || two[0] === ":") p += 1;
  else if (two[0] === "," && nameQuoted && /[A-Z_]/.test(name))
    p += 1; // ('API_KEY', 'value')
  else if (/^value\s{0,2}=/.test(text.slice(p, p + 9)) && closers > 0) p = text.indexOf("=", p) + 1;
  else if (two[0] === ">" && sp === 0 && closers === 0 && ns > 0 && text.charCodeAt(ns - 1) === 60) {
    p += 1; // <apiKey>value</apiKey>
    xml = true;
  } else if (/^is\s/i.test(text.slice(p, p + 3)) && sp > 0) {
    p += 2;
    weakOp = true;
  } else if (sp > 0 || isBreak(text.charCodeAt(p))) weakOp = true;
  else return dashJoined(text, kwEnd, ne, name, ns);
  const opChar = text.charCodeAt(p - 1);
  sp = 0;
  while (p < text.length && sp < 16 && isSpace(text.charCodeAt(p))) {
    p++;
    sp++;
  }
  // "API key:\n<token>" or "KEY\n<token>": a token alone on the next line is the value.
  if (isBreak(text.charCodeAt(p))) {
    if (!(weakOp || opChar === 58 || opChar === 61)) return null;
    const line = lineToken(text, p);
    if (line === null) return null;
    const [vs, ve] = line;
    return {
      name,
      nameStart: ns,
      valueStart: vs,
      valueEnd: ve,
      quoted: false,
      weakOp,
      after: text.charCodeAt(ve),
    };
  }
  // Value.
  let c = text.charCodeAt(p);
  if (c === 92 && isQuote(text.charCodeAt(p + 1))) p++; // \"value\" inside an escaped string
  // Python bytes/raw/unicode literals: b'…', r"…", u'…' (not f-strings, which are templates).
  if (/[bruBRU]/.test(text.charAt(p)) && isQuote(text.charCodeAt(p + 1))) p++;
  c = text.charCodeAt(p);
  if (isQuote(c)) {
    const q = c;
    const vs = p + 1;
    let ve = vs;
    while (ve < text.length && ve - vs <= 2048) {
      const d = text.charCodeAt(ve);
      if (d === q || d === 10 || d === 13) break;
      if (d === 92 && isQuote(text.charCodeAt(ve + 1))) break;
      ve++;
    }
    if (text.charCodeAt(ve) !== q && text.charCodeAt(ve) !== 92) return null;
    return {
      name,
      nameStart: ns,
      valueStart: vs,
      valueEnd: ve,
      quoted: true,
      weakOp,
      after: text.charCodeAt(ve + 1),
      compare,
    };
  }
  const vs = p;
  let ve = vs;
  while (ve < text.length && ve - vs <= 2048) {
    const d = text.charCodeAt(ve);
    // whitespace, quotes, and the delimiters that end a value in code, INI, ODBC and query strings
    if (
      d <= 32 ||
      isQuote(d) ||
      d === 59 ||
      d === 44 ||
      d === 41 ||
      d === 93 ||
      d === 125 ||
      d === 60 ||
      d === 38
    )
      break;
    ve++;
  }
  while (ve > vs && text.charCodeAt(ve - 1) === 46) ve--; // sentence full stop
  if (ve === vs) return null;
  // An XML element's value runs to its closing tag, which must follow.
  if (xml && !text.startsWith(`</${name}>`, ve)) return null;
  return {
    name,
    nameStart: ns,
    valueStart: vs,
    valueEnd: ve,
    quoted: false,
    weakOp,
    after: text.charCodeAt(ve),
  };
}

export function isPlaceholder(value: string, name: string): boolean {
  const lower = value.toLowerCase();
  if (PLACEHOLDERS.has(lower)) return true;
  if (PLACEHOLDER_PARTS.test(value)) return true;
  if (obviouslyFake(value)) return true;
  if (lower === name.toLowerCase()) return true;
  // The value repeats a keyword: `password = "mypassword"`, `token: tokenValue`.
  if (/^[a-z_.-]*(?:pass(?:word|wd)|secret|token|api_?key)[a-z_.-]*$/i.test(value)) return true;
  return false;
}

function classes(v: string): { digit: boolean; upper: boolean; lower: boolean; symbol: boolean } {
  return {
    digit: /\d/.test(v),
    upper: /[A-Z]/.test(v),
    lower: /[a-z]/.test(v),
    symbol: /[^A-Za-z0-9]/.test(v),
  };
}

let lastText = "";
let lastLock = false;
/** Whether the text is a lock file; cached for the text being scanned (one pass per text). */
function lockfile(text: string): boolean {
  if (text !== lastText) {
    lastText = text;
    lastLock = LOCKFILE_MARKERS.some((m) => text.includes(m));
  }
  return lastLock;
}

/** Upper-case environment names ending in `_PASS`. */
const ENV_PASS = /^[A-Z][A-Z0-9]*_[A-Z0-9_]*PASS$/;

/** Password-family values: human-chosen, so low entropy is allowed, placeholders are not. */
function judgePassword(text: string, a: Assignment): number | null {
  const value = text.slice(a.valueStart, a.valueEnd);
  if (value.length < 4 || value.length > 128) return null;
  if (isPlaceholder(value, a.name)) return null;
  if (NUMERIC.test(value) && value.length < 6) return null;
  if (IDENT_VALUE.test(value)) return null;
  if (!a.quoted && /^[A-Za-z_$][\w$]*$/.test(value) && (a.after === 59 || a.after === 41 || a.after === 44))
    return null;
  if (!a.quoted && /[[(]/.test(value)) return null;
  if (VERSION.test(value) || CODE_WORD.test(value) || /^[!&|]|[(){};]/.test(value)) return null;
  if ((value.match(/ /g)?.length ?? 0) >= 2) return null; // a sentence, not a password
  // The bare word "pass" is common in prose ("validation pass: valid"): its value needs a digit or symbol.
  // An environment name (`SMTP_PASS=…`, `REACT_APP_AUTH_PASS=…`) is a credential whatever its value.
  if (/(?:^|[^a-z])pass$/i.test(a.name) && !/[^A-Za-z]/.test(value) && !(ENV_PASS.test(a.name) && !a.weakOp))
    return null;
  if (a.weakOp) {
    // "password pass123" (netrc) or "the password is 'x'": needs digits or symbols, or quotes; the
    // bare word "pass" ("pass `fetch` to …") needs a real operator.
    const k = classes(value);
    if (!a.quoted && !(k.digit || k.symbol)) return null;
    if (/^pass$/i.test(a.name) || /[=<>]/.test(value)) return null;
  }
  if (entropy(value) < 1.5) return null;
  return a.weakOp ? 0.6 : 0.7;
}

/** Words that do not name anything before a credential word ("the token", "your key"). */
const FILLER_WORDS = new Set([
  "the",
  "a",
  "an",
  "my",
  "your",
  "our",
  "their",
  "its",
  "this",
  "that",
  "new",
  "old",
  "of",
  "for",
  "to",
  "and",
  "or",
  "with",
  "is",
  "as",
  "in",
  "on",
  "by",
  "private",
  "public",
  "access",
  "api",
  "secret",
]);

/**
 * Whether a name is preceded on its line by a word that can name a provider: "guardian SECRET",
 * "squarespace private token" (not "the token", "your key").
 */
function leadWord(text: string, nameStart: number): boolean {
  let p = nameStart;
  for (let k = 0; k < 2; k++) {
    let sp = 0;
    while (p > 0 && sp < 3 && isSpace(text.charCodeAt(p - 1))) {
      p--;
      sp++;
    }
    if (sp === 0) return false;
    const we = p;
    while (p > 0 && we - p < 32 && isIdChar(text.charCodeAt(p - 1))) p--;
    const word = text.slice(p, we).toLowerCase();
    if (word.length < 3) return false;
    if (!FILLER_WORDS.has(word)) return /^[a-z][a-z0-9]*$/.test(word);
  }
  return false;
}

/** A name that says "credential" outright (`vbout_key`, `ACCESS TOKEN`, `clientSecret`), not just `auth` or `api`. */
function credentialName(words: readonly string[]): boolean {
  return words.some(
    (w) => /(?:key|secret|token|credentials?|passw(?:or)?d)$/.test(w) || w === "private" || w === "access",
  );
}

/** Name words that make a UUID value an identifier even under a token name ("request_token", "session_token"). */
const UUID_ID_WORDS = new Set([
  "id",
  "request",
  "session",
  "csrf",
  "xsrf",
  "correlation",
  "trace",
  "idempotency",
  "nonce",
  "verification",
  "confirmation",
  "invite",
  "invitation",
]);

/**
 * Token-family values: machine-generated, so they must look random, unless the name says
 * credential outright and the operator is a real one. Then the position is the evidence: a value
 * of key length in `*_key = …` is reported even when its characters look hand-made (sequential
 * digits, a documentation UUID), at the lowest confidence, because a prompt cannot tell a real key
 * from a demo one and a masked finding on a demo key costs little. Visible masks (one repeated
 * character, `xxxx`, zeros), placeholders and references are never reported.
 */
function judgeToken(text: string, a: Assignment): number | null {
  const value = text.slice(a.valueStart, a.valueEnd);
  if (value.length < (a.weakOp ? 16 : 10) || value.length > 2048) return null;
  // Cheap gates first: prose words ("the secret ingredient is …") stop here without any regex work.
  let digit = false;
  let other = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digit = true;
    else if (c === 43 || c === 47 || c === 61 || c === 95 || c === 45) other = true;
  }
  if (!digit && !(other && value.length >= 20) && value.length < 16) return null;
  const words = splitWords(a.name);
  if (isPlaceholder(value, a.name)) return null;
  if (IDENT_VALUE.test(value) || DATE_VALUE.test(value) || VERSION.test(value)) return null;
  const explicit = credentialName(words);
  if (digitsOnly(value)) {
    // Numeric keys exist (16+ digits); shorter numbers are counts, ports, ids.
    if (!explicit || words[words.length - 1] === "id") return null;
    if (a.weakOp) return value.length >= 20 ? 0.5 : null;
    return value.length >= 16 ? 0.55 : null;
  }
  if (NUMERIC.test(value) && value.length < 16) return null; // "4096", "30s"; not "1234…90ab"
  // Machine tokens have no spaces, and a value naming a type or a variable is code.
  if (/\s/.test(value) || CODE_WORD.test(value) || /[(){};]/.test(value)) return null;
  if (/\d{4}-\d{2}-\d{2}/.test(value)) return null; // dated identifiers ("token-counting-2024-11-01")
  if (/^https?:\/\//i.test(value) && !/:\/\/[^/\s:@]+:[^/\s@]+@/.test(value)) return null;
  if (value.includes("(") || (!a.quoted && value.includes("[")) || /^[\w.+-]+@[\w-]+\.[\w.]+$/.test(value))
    return null;
  if (UUID_RE.test(value)) {
    // Several providers issue UUID keys (Heroku, Postmark, Snyk, …), but UUIDs are far more often
    // ids: accepted only under an explicit <something>_key/secret/token name that is not a request
    // or session id, and never a filler of few distinct digits.
    // A bare `key`/`token` names a UUID only after a provider word ("guardian SECRET=…").
    const keyName =
      (words.length > 1 || leadWord(text, a.nameStart)) &&
      words.some(
        (w) =>
          /^(?:key|apikey|secret|password|passwd|token|access|private)$/.test(w) ||
          w.endsWith("secret") ||
          w.endsWith("key") ||
          w.endsWith("token"),
      );
    if (!keyName || words.some((w) => UUID_ID_WORDS.has(w))) return null;
    if (/^0{8}-/.test(value) || new Set(value.replace(/-/g, "")).size < 6) return null;
    return a.weakOp ? 0.5 : 0.6;
  }
  if (/^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$/i.test(value)) {
    if (
      CHECKSUM_CONTEXT.test(a.name) ||
      CHECKSUM_CONTEXT.test(text.slice(Math.max(0, a.valueStart - 60), a.valueStart))
    )
      return null;
  }
  if (/^sha(?:1|256|384|512)-/.test(value) || (lockfile(text) && /^[0-9a-f]{32,128}$/i.test(value)))
    return null;
  const k = classes(value);
  // A letters-only value of key length that does not read like words ("ZYXWVUTSRQPONMLKJIHG",
  // "qHvTzKpWfRmBxLcN…") under an explicit credential name: identifiers and prose read like words.
  const letterKey = !k.digit && explicit && value.length >= 16 && lettersOnly(value) && !wordLike(value);
  if (letterKey) return a.weakOp ? 0.5 : 0.55;
  if (!k.digit && !(k.upper && k.lower)) return null;
  // Identifiers without digits ("regeneratorKeys", "cleanupProjectsAndScriptInfos") are code; a
  // random 20+ character key has no digit with probability under 3 %, and base64 ones carry +/=_-.
  if (!k.digit && !(value.length >= 20 && /[+/=_-]/.test(value))) return null;
  const h = entropy(value);
  if (a.weakOp) {
    // Slugs of lower-case words joined by dashes ("secret-management-2024") are names, not keys.
    if (/[a-z]{4,}[-_.][a-z]{4,}/.test(value)) return null;
    if (value.length < 16 || h < 3.0 || !k.digit || !(k.upper || k.lower)) return null;
    return 0.6;
  }
  if (h < 3.0) {
    // Long values with letters and digits under an explicit credential name are reported even when
    // their characters repeat (hand-made keys), at the lowest confidence.
    if (h >= 2.5 && value.length >= 24 && k.digit && (k.lower || k.upper)) return 0.55;
    return null;
  }
  return h >= 3.5 ? 0.8 : 0.7;
}

export function genericExtractor(family: Family): (m: RegExpExecArray, text: string) => Extracted | null {
  return (m, text) => {
    const keyword = m[0].toLowerCase();
    const a = parse(text, m.index, m.index + m[0].length, keyword.startsWith("pass") ? "pass" : keyword);
    if (a === null) return null;
    let score = family === "password" ? judgePassword(text, a) : judgeToken(text, a);
    // `if creds.Secret != "open-sesame"`: a secret compared with a literal is a hard-coded
    // credential, and people choose those, so it is judged as a password.
    if (score === null && a.compare && a.quoted && /(?:^|[^a-z])(?:secret|apikey|passphrase)$/i.test(a.name))
      score = judgePassword(text, a);
    if (score === null && a.weakOp && family === "password") {
      // "the password for the prod database is <pw>": up to five words, then "is" or a colon.
      const w = /^(?:[A-Za-z][\w-]{0,15}[ \t]{1,3}){1,5}(?:is|was|=|:)[ \t]{1,3}/i.exec(
        text.slice(a.valueStart, a.valueStart + 96),
      );
      if (w !== null) {
        const p = a.valueStart + w[0].length;
        let e = p;
        while (e < text.length && e - p <= 128 && text.charCodeAt(e) > 32 && !isQuote(text.charCodeAt(e)))
          e++;
        while (e > p && /[.,;!?]/.test(text.charAt(e - 1))) e--; // sentence punctuation
        const b: Assignment = { ...a, valueStart: p, valueEnd: e };
        if (e > p && judgePassword(text, b) !== null) return { start: p, end: e, score: 0.6 };
      }
    }
    if (score === null && a.weakOp && family === "token") {
      // "restpack SECRET bar <token>": allow up to two short words between the keyword and a token.
      let p = a.valueStart;
      for (let skip = 0; skip < 2 && score === null; skip++) {
        const w = /^[A-Za-z]{1,12}[ \t]{1,3}/.exec(text.slice(p, p + 16));
        if (w === null) break;
        p += w[0].length;
        let e = p;
        while (e < text.length && e - p <= 256 && text.charCodeAt(e) > 32 && !isQuote(text.charCodeAt(e)))
          e++;
        const b: Assignment = { ...a, valueStart: p, valueEnd: e };
        score = judgeToken(text, b);
        if (score !== null) return { start: p, end: e, score: 0.6 };
      }
    }
    if (score === null) return null;
    return { start: a.valueStart, end: a.valueEnd, score };
  };
}

/** The value decoded as base64/base64url when it is that, else "". */
function b64text(v: string): string {
  const t = v.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.replace(/=+$/, "").length % 4 === 1) return "";
  return Buffer.from(t, "base64").toString("latin1");
}

/** Last name words under which a random-looking value is an identifier, a digest or data, not a key. */
const NOT_KEY_NAME =
  /^(?:ids?|uuid|guid|hash|sha\d*|md5|digest|checksum|integrity|nonce|salt|iv|etag|version|ver|rev|revision|commit|ref|url|uri|href|src|path|file|filename|name|class|classname|style|type|kind|mappings|sourcemap|data|image|img|icon|font|content|body|text|title|label|slug|kid|thumbprint|fingerprint|signature|sig|state|code|cursor|after|before|next|page|offset|color|hex|seed|sample|example|test|mock|fixture|placeholder|alphabet|charset|chars|characters|payload|encoded|base64|b64|blob|bytes|buffer)$/;

/**
 * `name = <random token>` under any name: the provider's name often carries no credential word
 * (`weatherlib = '…'`, `acmecrm=…`). The pattern finds the operator; this reads the name before
 * it and the value after it. Only values that look machine-made pass: 24–200 characters of a
 * token alphabet, letters with digits (or both cases), entropy ≥ 4 bits per character, not
 * identifier-like (`identifierLike` in shape.ts), not hex (digests, commit ids, UUIDs); names of
 * ids, digests and data are left out. Reported at the lowest confidence.
 */
export function randomAssignmentExtractor(): (m: RegExpExecArray, text: string) => Extracted | null {
  return (m, text) => {
    const op = m.index;
    // Name: an identifier just before the operator (closing quote or bracket and spaces allowed).
    let p = op;
    let sp = 0;
    while (p > 0 && sp < 3 && isSpace(text.charCodeAt(p - 1))) {
      p--;
      sp++;
    }
    if (p > 0 && (isQuote(text.charCodeAt(p - 1)) || text.charCodeAt(p - 1) === 93)) p--;
    const ne = p;
    while (p > 0 && ne - p < 48 && isIdChar(text.charCodeAt(p - 1))) p--;
    const name = text.slice(p, ne);
    if (name.length < 2 || !/^[A-Za-z]/.test(name)) return null;
    const words = splitWords(name);
    const last = words[words.length - 1] ?? "";
    // "clientid", "appId": ids run into the name without a separator.
    if (NOT_KEY_NAME.test(last) || (last.endsWith("id") && last.length <= 10)) return null;
    // Value: the matched token, ending at a quote, space or delimiter, not mid-token.
    const vs = m.index + m[0].length - (m[1]?.length ?? 0);
    const ve = vs + (m[1]?.length ?? 0);
    const value = text.slice(vs, ve);
    // Hex, also with dashes (digests, UUIDs, W3C traceparent ids), is an id or a digest here.
    if (/^[0-9a-f-]+$/i.test(value) || obviouslyFake(value) || isPlaceholder(value, name)) return null;
    const k = classes(value);
    if (!(k.digit && (k.lower || k.upper)) && !(k.lower && k.upper && value.length >= 32)) return null;
    if (entropy(value) < 4 || identifierLike(value)) return null;
    // Base64 of text is encoded data (its content is scanned in the decoded view), not a key.
    if (value.length >= 24 && /^[\x20-\x7e\t\r\n]+$/.test(b64text(value))) return null;
    if (lockfile(text) || /^sha(?:1|256|384|512)-/.test(value)) return null;
    return { start: vs, end: ve, score: 0.5 };
  };
}
