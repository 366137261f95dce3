import { genericExtractor } from "../generic.js";
import { B62, B64, DIGITS, HEX, UUID, sample, tc, type SecretRule } from "../rule.js";

/** Letters without vowels: a letters-only sample that cannot read like a word. */
const CONSONANTS = "BCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxz";

const S = (a: string, n: number, seed: string) => sample(a, n, seed);

/** The catch-all assignment rules; specific rules win wherever both report. */
export const genericRules: SecretRule[] = [
  {
    id: "generic.password",
    kind: "password",
    description:
      "Hard-coded password: a password/passwd/pwd name assigned a literal that is not a placeholder or a reference",
    pattern: /pass(?:word|wd|phrase)?|pwd/gi,
    keywords: ["pass", "pwd"],
    severity: "high",
    generic: true,
    extract: genericExtractor("password"),
    tp: [
      tc(`DB_PASSWORD=${S(B62, 14, "gp1")}`, "env file"),
      tc('password = "open_sesame42"', "Python literal"),
      tc('"password": "Tr0ub4dor&3",', "JSON"),
      tc("[smtp]\nuser = mailer\npassword = c0rrect-h0rse", "INI"),
      tc(`<add key="SmtpPassword" value="${S(B62, 12, "gp2")}" />`, ".NET appSettings"),
      tc('if username == "admin" and password == "hunter2!":', "hard-coded comparison"),
    ],
    fp: [
      tc('password = "changeme"', "placeholder"),
      tc("password = os.environ['DB_PASSWORD']", "environment reference"),
      tc("password: ${DB_PASSWORD}", "template variable"),
      tc('password = "<your password>"', "placeholder"),
      tc("password = request.form['password']", "code reference"),
      tc("const password = process.env.PASSWORD;", "environment reference"),
      tc("def login(self, user, password=None):", "default argument"),
      tc("password_hash = bcrypt.hashpw(pw, salt)", "metadata name"),
      tc("Enter your password: ", "prompt text"),
      tc("the compass = north", "keyword inside a word"),
      tc('passwordLabel: "Password:"', "UI label"),
      tc("password: string;", "type annotation"),
    ],
  },
  {
    id: "generic.secret",
    kind: "generic_secret",
    description:
      "High-entropy value assigned to a secret/token/key/credential name (entropy ≥ 3 bits/char, digits or mixed case, not a UUID, hash or placeholder)",
    pattern: /secret|token|key|credential|auth|private|access|pat|api/gi,
    keywords: ["secret", "token", "key", "credential", "auth", "private", "access", "pat", "api"],
    severity: "high",
    generic: true,
    extract: genericExtractor("token"),
    tp: [
      tc(`API_KEY=${S(B62, 32, "gs1")}`, "env file"),
      tc(`"client_secret": "${S(B62, 40, "gs2")}"`, "JSON"),
      tc(`apiKey: '${S(B62, 24, "gs3")}'`, "JS object"),
      tc(`exampleServiceTOKEN=${S(B62, 30, "gs4")}`, "long-tail provider"),
      tc(`acme SECRET ${S(B62, 32, "gs5")}`, "keyword then token separated by a space"),
      tc(`ONESIGNAL_SECRET_KEY=${UUID("gs6")}`, "UUID under a secret name"),
      tc(`exampleweatherapi=${S(B62, 32, "gs10")}`, "name ending in api"),
      tc(`session_token=${S(B64, 600, "gs11")}`, "long token"),
      tc(`WIDGETCO_API_KEY=${S(DIGITS, 24, "gs12")}`, "all-digit key under an explicit key name"),
      tc(`acme_token = ${S(CONSONANTS, 24, "gs13")}`, "letters-only key that does not read like words"),
      tc(`acmecloud SECRET=${UUID("gs14")}`, "UUID under a bare credential word after a provider word"),
      tc(`Here is my widgetco API key:\n${S(B62, 32, "gs15")}\n`, "token alone on the next line"),
      tc(`WIDGETCO\nKEY\n${S(B62, 28, "gs16")}`, "keyword and token on lines of their own"),
      tc(`acme_samplekey = ${S(B62, 32, "gs17")}`, "unknown stem joined to key, spaced operator"),
      tc(`examplecrm ACCESS ${S(DIGITS, 24, "gs18")}`, "numeric key after a credential word"),
      tc(
        `crawler_secret = ${S(DIGITS, 20, "gs19")}ab`,
        "digits with a short letter tail are not a number with a unit",
      ),
    ],
    fp: [
      tc(`request_token = "${UUID("gs7")}"`, "UUID under a token name: an identifier"),
      tc(`sha256_key = ${S(HEX, 64, "gs8")}  # checksum`, "hash in checksum context"),
      tc("public_key = MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", "public key"),
      tc("max_tokens = 4096", "number"),
      tc("api_key = <your-key>", "placeholder"),
      tc("api_key: ${API_KEY}", "template variable"),
      tc("API_KEY=changeme", "placeholder"),
      tc("token = process.env.GITHUB_TOKEN", "environment reference"),
      tc("monkey = 'George the curious one 2'", "keyword inside a word"),
      tc("The secret to a good sauce is patience", "prose"),
      tc(`"integrity": "sha512-${S(B64, 86, "gs9")}=="`, "lock-file integrity hash"),
      tc("cache_key = user:42:profile", "qualified name"),
      tc("keyboard_layout = us-intl-altgr", "longer word"),
      tc("token_type = bearer_with_refresh_2", "metadata name"),
      tc("primary_key = customer_id_2024", "database key"),
      tc("api_url = https://api.example.com/v1", "URL setting"),
      tc("api = FastAPI(title='demo')", "code"),
      tc(`session_token = "${UUID("gs20")}"`, "UUID under a session token name: an identifier"),
      tc(`the token ${UUID("gs21")}`, "UUID after a bare credential word with no provider word"),
      tc("api_key = 123456", "short number"),
      tc("token: internationalization", "letters-only value that reads like a word"),
      tc("secret_key = aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "one repeated character: a mask"),
      tc("KEY\nthe quick brown fox", "the next line is prose, not a token"),
      tc(`customer_id_key = ${S(DIGITS, 6, "gs22")}`, "short number under a key name"),
    ],
  },
];
