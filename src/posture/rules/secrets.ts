import type { PostureRule, RuleHit, SecretFacts } from "../types.js";

/**
 * How strong each kind of secret must be. Signing keys and admin keys are ours to choose: 32
 * characters of a random alphabet (≥ 128 bits, NIST SP 800-107 §5.3.4 for HMAC keys). Credentials
 * issued by someone else are only checked for placeholders and absurd lengths.
 */
const MIN_LENGTH: Record<SecretFacts["purpose"], number> = {
  signing: 32,
  "admin-key": 36,
  kek: 32,
  credential: 8,
  "private-key": 0,
};
const MIN_DISTINCT: Record<SecretFacts["purpose"], number> = {
  signing: 10,
  "admin-key": 10,
  kek: 10,
  credential: 4,
  "private-key": 0,
};

function weakness(secret: SecretFacts): string | undefined {
  const s = secret.strength;
  if (!s || secret.purpose === "private-key") return undefined;
  if (s.placeholder) return "is a well-known placeholder or default value";
  if (s.length < MIN_LENGTH[secret.purpose])
    return `is ${s.length} characters long (at least ${MIN_LENGTH[secret.purpose]} expected)`;
  if (s.distinct < MIN_DISTINCT[secret.purpose])
    return `uses only ${s.distinct} different characters: it is not random`;
  return undefined;
}

export const weakSecret: PostureRule = {
  id: "weak-secret",
  title: "Weak or default secrets",
  severity: "high",
  why:
    "A short, repetitive or placeholder secret is guessed before it is cracked: a default admin key " +
    "hands over the gateway, a weak webhook signing key lets anyone forge alerts or silence them with " +
    "fakes.",
  fix:
    "Generate each secret from a CSPRNG (`openssl rand -base64 32`; admin keys with `portcullis keys " +
    "create --role admin`), store it in a secret manager or mounted file, and rotate the weak one now.",
  refs: ["CWE-521", "CWE-1392", "NIST SP 800-107 §5.3.4"],
  check(input) {
    const hits: RuleHit[] = [];
    for (const secret of input.secrets) {
      const problem = weakness(secret);
      if (problem) hits.push({ message: `${secret.ref} (${secret.purpose}) ${problem}`, path: secret.path });
    }
    return hits;
  },
  unchecked(input) {
    const unread = input.secrets.filter((s) => s.status !== "read" && s.purpose !== "private-key");
    if (unread.length === 0) return undefined;
    return `strength of ${unread.map((s) => s.ref).join(", ")} not checked: not readable from here`;
  },
};

/** Group or other may read or write (the owner alone should). */
const LOOSE = 0o077;

export const secretFilePermissions: PostureRule = {
  id: "secret-file-permissions",
  title: "Secret files readable by others",
  severity: "high",
  why:
    "A file: secret (provider key, signing key, KEK, TLS private key) that group or other can read is " +
    "read by every process and user on the host that is not the gateway: one compromised neighbour " +
    "is enough.",
  fix: "chmod 600 the file (or 400), owned by the user the gateway runs as; mount secrets with mode 0400.",
  refs: ["CWE-732", "CWE-276"],
  check(input) {
    const hits: RuleHit[] = [];
    for (const secret of input.secrets) {
      if (secret.mode === undefined || (secret.mode & LOOSE) === 0) continue;
      hits.push({
        message: `${secret.file ?? secret.ref} has mode ${(secret.mode & 0o777).toString(8).padStart(3, "0")}: group or other can ${secret.mode & 0o044 ? "read" : "write"} it`,
        path: secret.path,
      });
    }
    return hits;
  },
  unchecked(input) {
    const missing = input.secrets.filter(
      (s) => s.ref.startsWith("file:") && s.status !== "read" && s.mode === undefined,
    );
    if (missing.length === 0) return undefined;
    return `permissions of ${missing.map((s) => s.ref).join(", ")} not checked: not found from here`;
  },
};

/** Names the gateway gives the admin key it creates at start-up (src/app/keys.ts): never expiring by design. */
const BOOTSTRAP = new Set(["bootstrap-admin", "first-admin"]);

export const keysWithoutExpiry: PostureRule = {
  id: "keys-without-expiry",
  title: "Keys without expiry",
  severity: "medium",
  why:
    "A key that never expires stays valid after the project, the person or the laptop it was issued to " +
    "is gone; leaked keys are found in old repositories and chat logs years later.",
  fix:
    "Issue keys with --expires (e.g. 90d) and rotate them; set an expiry on existing ones with " +
    'PATCH /admin/v1/keys/<id> {"expires": "90d"}. The admin key the gateway creates at start-up ' +
    "(bootstrap-admin, first-admin) is exempt: replace it with an expiring admin key once set up.",
  refs: ["CWE-324", "OWASP ASVS V2.10"],
  check(input) {
    const keys = input.server?.keys;
    if (!keys) return [];
    const forever = keys.filter(
      (k) => k.status === "active" && k.expires_at === null && !(k.role === "admin" && BOOTSTRAP.has(k.name)),
    );
    if (forever.length === 0) return [];
    const shown = forever.slice(0, 10).map((k) => `${k.id} (${k.name}, ${k.role})`);
    return [
      {
        message: `${forever.length} active key${forever.length > 1 ? "s" : ""} never expire${forever.length > 1 ? "" : "s"}: ${shown.join(", ")}${forever.length > 10 ? ", …" : ""}`,
        path: ["keys"],
      },
    ];
  },
  unchecked(input) {
    return input.server?.keys
      ? undefined
      : "key expiry needs --server (keys live in the store, not the configuration)";
  },
};
