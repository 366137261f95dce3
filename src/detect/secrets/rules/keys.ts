import { B64, B64URL, HEX, sample, tc, type SecretRule } from "../rule.js";
import { b64decode, jwtHeaderValid } from "./util.js";

const S = (a: string, n: number, seed: string) => sample(a, n, seed);
const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

const pemBody = (seed: string) => Array.from({ length: 6 }, (_, i) => S(B64, 64, `${seed}${i}`)).join("\n");

/** Key material and signed tokens: PEM/OpenSSH/PGP/PuTTY private keys, age, JWTs, WireGuard, password hashes. */
export const keyRules: SecretRule[] = [
  {
    id: "key.pem_private_key",
    kind: "private_key",
    description:
      "PEM private key block (RFC 7468: PRIVATE KEY, RSA/EC/DSA PRIVATE KEY, ENCRYPTED PRIVATE KEY)",
    // The body must start within a few characters of the header (code may split it into quoted lines).
    pattern:
      /-----BEGIN (?:(?:RSA|EC|DSA|ENCRYPTED|ED25519|X25519|DH) )?PRIVATE KEY(?: BLOCK)?-----(?:[\s"'+\\n]{0,12})[A-Za-z0-9+/=]{20}(?:[^]{0,8000}?-----END [A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----)?/g,
    keywords: ["private key"],
    severity: "critical",
    fakeCheck: false,
    score: 0.97,
    tp: [
      tc(`-----BEGIN RSA PRIVATE KEY-----\n${pemBody("pem1")}\n-----END RSA PRIVATE KEY-----`, "PKCS#1 key"),
      tc(`-----BEGIN PRIVATE KEY-----\n${pemBody("pem2")}\n-----END PRIVATE KEY-----`, "PKCS#8 key"),
      tc(
        `key = "-----BEGIN EC PRIVATE KEY-----" +\n"${S(B64, 60, "pem3")}" +`,
        "split across string literals",
      ),
    ],
    fp: [
      tc("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----", "elided in documentation"),
      tc(
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        "public key",
      ),
    ],
  },
  {
    id: "key.openssh_private_key",
    kind: "ssh_private_key",
    description:
      "OpenSSH private key (PROTOCOL.key, BEGIN OPENSSH PRIVATE KEY, body starts b3BlbnNzaC1rZXktdjE)",
    pattern:
      /-----BEGIN OPENSSH PRIVATE KEY-----[\s"'+\\n]{0,12}b3BlbnNzaC1rZXktdjE(?:[^]{0,8000}?-----END OPENSSH PRIVATE KEY-----)?/g,
    keywords: ["openssh private key"],
    severity: "critical",
    fakeCheck: false,
    score: 0.98,
    tp: [
      tc(
        `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${S(B64, 40, "ssh1")}\n${pemBody("ssh2")}\n-----END OPENSSH PRIVATE KEY-----`,
        "ed25519 key",
      ),
    ],
    fp: [
      tc("-----BEGIN OPENSSH PRIVATE KEY-----\n<your key>\n-----END OPENSSH PRIVATE KEY-----", "placeholder"),
    ],
  },
  {
    id: "key.pgp_private_key",
    kind: "pgp_private_key",
    description: "OpenPGP private key block (RFC 4880 armour)",
    pattern:
      /-----BEGIN PGP PRIVATE KEY BLOCK-----[^]{0,200}?[A-Za-z0-9+/=]{40}(?:[^]{0,20000}?-----END PGP PRIVATE KEY BLOCK-----)?/g,
    keywords: ["pgp private key"],
    severity: "critical",
    fakeCheck: false,
    score: 0.97,
    tp: [
      tc(
        `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${pemBody("pgp1")}\n-----END PGP PRIVATE KEY BLOCK-----`,
        "exported key",
      ),
    ],
    fp: [tc("-----BEGIN PGP PUBLIC KEY BLOCK-----\n" + S(B64, 64, "pgp2"), "public key")],
  },
  {
    id: "key.putty_private_key",
    kind: "putty_private_key",
    description: "PuTTY private key file (PuTTY-User-Key-File with Private-Lines)",
    pattern:
      /PuTTY-User-Key-File-\d: [\w-]{3,30}[^]{0,3000}?Private-Lines: \d{1,3}\s{1,3}[A-Za-z0-9+/=]{20}/g,
    keywords: ["putty-user-key-file"],
    severity: "critical",
    fakeCheck: false,
    tp: [
      tc(
        `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: demo\nPublic-Lines: 2\n${S(B64, 64, "pt1")}\nPrivate-Lines: 1\n${S(B64, 44, "pt2")}`,
        ".ppk file",
      ),
    ],
    fp: [tc("PuTTY-User-Key-File-3: ssh-ed25519", "header only")],
  },
  {
    id: "key.base64_pem",
    kind: "private_key",
    description: "Base64-encoded PEM private key (LS0tLS1CRUdJTi… that decodes to a PRIVATE KEY header)",
    pattern: /(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,20000}={0,2}/g,
    keywords: ["ls0tls1crudjti"],
    severity: "critical",
    validate: (s) => b64decode(s.slice(0, 80).replace(/=+$/, "").slice(0, 76)).includes("PRIVATE KEY"),
    tp: [
      tc(
        `PRIVATE_KEY_B64=${Buffer.from(`-----BEGIN RSA PRIVATE KEY-----\n${S(B64, 64, "bp1")}\n`).toString("base64")}`,
        "Kubernetes secret / env",
      ),
    ],
    fp: [
      tc(
        `cert: ${Buffer.from(`-----BEGIN CERTIFICATE-----\n${S(B64, 64, "bp2")}\n`).toString("base64")}`,
        "certificate",
      ),
    ],
  },
  {
    id: "key.age_secret_key",
    kind: "age_secret_key",
    description: "age encryption secret key (AGE-SECRET-KEY-1 + 58 bech32 characters)",
    pattern: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/g,
    keywords: ["age-secret-key-1"],
    severity: "critical",
    tp: [tc(`# created: 2024-01-01\nAGE-SECRET-KEY-1${S(BECH32, 58, "age1").toUpperCase()}`, "key file")],
    fp: [tc("AGE-SECRET-KEY-1...", "elided")],
  },
  {
    id: "key.jwt",
    kind: "jwt",
    description:
      "JSON Web Token (RFC 7519): base64url header with alg/typ, payload, signature (also cut after the payload, or with a non-JSON payload)",
    // The header is what identifies a JWS (RFC 7515 §4.1), so the payload may be any base64url
    // (JWS payloads need not be JSON) and a token cut after its payload is still a bearer token.
    pattern:
      /(?<![\w-])eyJ[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{8,8000}(?:\.[A-Za-z0-9_-]{0,2000})?(?![\w.-])/g,
    keywords: ["eyj"],
    severity: "high",
    validate: (s) => {
      if (!jwtHeaderValid(s)) return false;
      const parts = s.split(".");
      if (parts.length === 2) return 0.6; // no signature part: cut or incomplete
      if (s.endsWith(".")) return 0.6; // unsigned (alg none) tokens are less dangerous
      return parts[1]!.startsWith("eyJ") ? 0.9 : 0.7;
    },
    tp: [
      tc(
        `Authorization: Bearer ${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from('{"sub":"42","iat":1700000000}').toString("base64url")}.${S(B64URL, 43, "jwt1")}`,
        "HS256 token",
      ),
      tc(
        `token=${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from('{"sub":"7","exp":1900000000}').toString("base64url")}`,
        "cut after the payload",
      ),
      tc(
        `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${S(B64URL, 120, "jwt3")}.${S(B64URL, 43, "jwt4")}`,
        "payload that is not JSON (JWS allows any payload)",
      ),
    ],
    fp: [
      tc(`eyJub3QiOiJqd3QifQ.eyJhIjoxfQ.${S(B64URL, 20, "jwt2")}`, "header without alg or typ"),
      tc("eyJhbGciOi", "fragment"),
      tc(
        `${Buffer.from('{"name":"report"}').toString("base64url")}.${S(B64URL, 40, "jwt5")}`,
        "JSON without alg or typ",
      ),
    ],
  },
  {
    id: "key.jwt_secret",
    kind: "jwt_secret",
    description: "JWT signing secret assigned to a jwt secret name",
    pattern: /jwt[\w.-]{0,20}?(?:secret|key)["']?[ \t]{0,3}[:=][ \t]{0,3}(["'])([^"'\n]{16,200})\1/gi,
    group: 2,
    keywords: ["jwt"],
    severity: "high",
    entropy: 3.5,
    tp: [tc(`JWT_SECRET="${S(B64, 48, "js1")}"`, "env")],
    fp: [tc('JWT_SECRET="${JWT_SECRET_FROM_VAULT}"', "variable reference")],
  },
  {
    id: "key.wireguard",
    kind: "wireguard_private_key",
    description: "WireGuard private or preshared key (32 bytes base64) in a wg config",
    pattern: /(?:PrivateKey|PresharedKey)\s{0,3}=\s{0,3}([A-Za-z0-9+/]{42}[A-Za-z0-9+/]=)/g,
    group: 1,
    keywords: ["privatekey", "presharedkey"],
    severity: "critical",
    entropy: 4,
    tp: [tc(`[Interface]\nPrivateKey = ${S(B64, 42, "wg1")}I=\nAddress = 10.0.0.2/32`, "wg0.conf")],
    fp: [tc("[Peer]\nPublicKey = [Server's public key]", "public key placeholder")],
  },
  {
    id: "key.password_hash",
    kind: "password_hash",
    description:
      "Crypt-format password hash (MD5 $1$, bcrypt $2a/b/y$, SHA-crypt $5$/$6$, scrypt $7$, Cisco $8$/$9$, Kerberos AS-REP)",
    pattern:
      /(?<![\w$])(?:\$1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}|\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|\$[56]\$(?:rounds=\d{1,9}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}|\$[789]\$[./A-Za-z0-9]{14}\$[./A-Za-z0-9]{43}|\$krb5asrep\$\d{2}\$[^\s:$]{0,200}\$?[a-f0-9]{32}\$[a-f0-9]{64,4000})(?![\w])/g,
    keywords: ["$1$", "$2a$", "$2b$", "$2x$", "$2y$", "$5$", "$6$", "$7$", "$8$", "$9$", "$krb5asrep$"],
    severity: "medium",
    score: 0.8,
    fakeCheck: false,
    tp: [
      tc(
        `admin:$2b$12$${S("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 53, "ph1")}`,
        "bcrypt hash in a user table",
      ),
      tc(
        `root:$6$${S(B64URL.replace(/[-_]/g, "."), 16, "ph2")}$${S("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 86, "ph3")}:19000:0:99999:7:::`,
        "shadow entry",
      ),
    ],
    fp: [tc("costs $1$ and $2", "prices"), tc(`$2b$12$${S(HEX, 10, "ph4")}`, "truncated")],
  },
  {
    id: "key.kubernetes_bootstrap_token",
    kind: "kubernetes_bootstrap_token",
    description: "Kubernetes bootstrap token (6.16 lower-case alphanumerics) next to a token name",
    pattern: /token[\w.-]{0,20}?["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([a-z0-9]{6}\.[a-z0-9]{16})(?![\w.])/gi,
    group: 1,
    keywords: ["token"],
    severity: "high",
    validate: (s) => s !== "abcdef.0123456789abcdef", // kubeadm's documented example token
    tp: [
      tc(
        `BOOTSTRAP_TOKEN: "${S("abcdefghijklmnopqrstuvwxyz0123456789", 6, "kb1")}.${S("abcdefghijklmnopqrstuvwxyz0123456789", 16, "kb2")}"`,
        "kubeadm config",
      ),
    ],
    fp: [tc("token: abcdef.0123456789abcdef", "kubeadm documentation example")],
  },
  {
    id: "key.django_secret_key",
    kind: "django_secret_key",
    description: "Django SECRET_KEY literal (50 random printable characters, often django-insecure-…)",
    pattern:
      /SECRET_KEY["']?\s{0,3}[=:,]\s{0,3}(?:os\.environ\.get\(\s{0,2}["'][A-Z_]{1,40}["']\s{0,2},\s{0,2})?["']((?:django-insecure-)?[^"'\s]{40,100})["']/g,
    group: 1,
    keywords: ["secret_key"],
    severity: "critical",
    entropy: 4,
    fakeCheck: false,
    tp: [tc(`SECRET_KEY = 'django-insecure-${S(B64.replace(/[/+]/g, "!"), 50, "dj1")}'`, "settings.py")],
    fp: [
      tc("SECRET_KEY = 'change-me-to-a-long-random-string-in-production-please'", "low-entropy placeholder"),
    ],
  },
  {
    id: "key.rails_master_key",
    kind: "rails_master_key",
    description: "Rails master key / secret_key_base (32 or 128 hex) assigned to its name",
    pattern:
      /(?:RAILS_MASTER_KEY|secret_key_base)["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([a-f0-9]{128}|[a-f0-9]{32})(?![\w])/g,
    group: 1,
    keywords: ["rails_master_key", "secret_key_base"],
    severity: "critical",
    entropy: 3,
    tp: [tc(`RAILS_MASTER_KEY=${S(HEX, 32, "rm1")}`, "env")],
    fp: [tc("secret_key_base: <%= ENV['SECRET_KEY_BASE'] %>", "ERB reference")],
  },
];
