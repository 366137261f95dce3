import { B62, B64, B64URL, sample, tc, type SecretRule } from "../rule.js";
import { isPlaceholder } from "../generic.js";
import { b64decode } from "./util.js";

const S = (a: string, n: number, seed: string) => sample(a, n, seed);

/** Passwords that documentation uses in example URLs and connection strings. */
const DOC_PASSWORDS = new Set([
  "password",
  "pass",
  "passwd",
  "pwd",
  "pw",
  "your_password",
  "yourpassword",
  "changeme",
  "mypassword",
  "my_password",
  "example",
  "xxx",
  "xxxx",
  "***",
  "****",
  "*****",
  "******",
  "<password>",
  "[password]",
  "{password}",
  "dbpassword",
  "db_password",
  "pa55w0rd",
  "user_password",
  "userpassword",
]);

function realPassword(pw: string): boolean {
  const lower = pw.toLowerCase();
  if (DOC_PASSWORDS.has(lower)) return false;
  if (/^[$%{<[*]|\$\{|\{\{|%\(|^:|^x+$/i.test(pw)) return false;
  return pw.length >= 3;
}

/**
 * scheme://user:password@host for databases, brokers, caches and file transfer (RFC 3986 §3.2.1:
 * userinfo is deprecated exactly because it leaks). The password may not contain '@', '/' or space
 * unescaped, but real-world strings often have a raw '@' in it, so the host is taken after the last '@'.
 */
const URI_SCHEMES =
  "postgres(?:ql)?|postgis|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|db2|clickhouse|cockroachdb|couchdbs?|neo4j(?:\\+s)?|bolt|cassandra|elasticsearch|influxdb|nats|kafka|ldaps?|smtps?|imaps?|pop3s?|ftps?|sftp|ssh|snowflake|jdbc:[a-z0-9]{2,12}|https?|wss?|git|svn|rtmps?|sqlalchemy|[a-z]{2,12}\\+[a-z]{2,12}";

export const connectionRules: SecretRule[] = [
  {
    id: "conn.uri_credentials",
    kind: "connection_string_password",
    description: "Password inside a URI's userinfo (database, broker, cache, FTP, HTTP basic-auth URL)",
    // Anchored on "://" (cheap to find); the scheme is checked by a look-behind only there.
    pattern: new RegExp(
      `:\\/\\/(?<=(?<![\\w+.-])(?:${URI_SCHEMES}):\\/\\/)([^\\s:/?#@"'<>\`]{0,128}):([^\\s/?#"'<>\`]{1,128}?)@(?=[\\w\\[%.-])`,
      "gi",
    ),
    group: 2,
    keywords: ["://"],
    severity: "critical",
    fakeCheck: false,
    validate: (pw, text, i) => {
      if (!realPassword(pw)) return false;
      // Plain http(s) userinfo is rarer and more often a template; lower confidence.
      const scheme = text.slice(Math.max(0, i - 200), i).match(/([a-z0-9+:]+):\/\/[^\s]*$/i)?.[1] ?? "";
      // RFC 2606 documentation hosts (example.com/.org/.net): reported at the lowest confidence.
      const host = text.slice(i + pw.length + 1, i + pw.length + 80).match(/^[^\s/:?#]*/)?.[0] ?? "";
      if (/(?:^|\.)example\.(?:com|org|net)$/i.test(host)) return 0.5;
      return /^(?:https?|wss?)$/i.test(scheme) ? 0.75 : 0.9;
    },
    tp: [
      tc(`DATABASE_URL=postgres://app:${S(B62, 16, "db1")}@db.internal:5432/app`, "Postgres URL"),
      tc(
        `REDIS_URL=redis://:${S(B62, 16, "db9")}@cache.internal:6379/0`,
        "password with an empty user name (Redis AUTH)",
      ),
      tc(
        `mongodb+srv://svc:${S(B62, 12, "db2")}@cluster0.example.mongodb.net/?retryWrites=true`,
        "Atlas SRV URL",
      ),
      tc(`REDIS_URL=redis://default:${S(B62, 20, "db3")}@cache:6379/0`, "Redis URL"),
      tc(`git clone https://deploy:${S(B62, 20, "db4")}@git.example.com/repo.git`, "HTTP basic-auth URL"),
    ],
    fp: [
      tc("postgres://user:password@localhost:5432/db", "documentation password"),
      tc("mysql://root:${MYSQL_PASSWORD}@db/app", "variable reference"),
      tc("https://example.com/path?a=b", "no userinfo"),
    ],
  },
  {
    id: "conn.odbc_password",
    kind: "connection_string_password",
    description:
      "Password in an ODBC / ADO.NET / JDBC-style key=value connection string (Password=…; Pwd=…;)",
    pattern: /(?:^|[;"'\s])(?:Password|Pwd|PWD)\s{0,2}=\s{0,2}([^;"'\s{}$<>]{3,128})(?=;|"|'|\s|$)/gm,
    group: 1,
    keywords: ["password=", "pwd=", "password =", "pwd ="],
    severity: "critical",
    validate: (pw, text) =>
      realPassword(pw) &&
      /(?:server|data source|host|uid|user id|user|database|initial catalog|provider|driver)\s{0,2}=/i.test(
        text,
      ),
    tp: [
      tc(`Server=sql01;Database=app;User Id=svc;Password=${S(B62, 14, "od1")};`, "SQL Server"),
      tc(`Driver={PostgreSQL};Server=db;Uid=app;Pwd=${S(B62, 12, "od2")};`, "ODBC"),
    ],
    fp: [
      tc("Server=sql01;Database=app;User Id=svc;Password=password;", "documentation password"),
      tc("Password=${DB_PASSWORD};", "variable reference"),
    ],
  },
  {
    id: "conn.basic_auth_header",
    kind: "http_basic_auth",
    description: "HTTP Basic credentials (RFC 7617) in an Authorization header: base64 of user:password",
    pattern: /\bBasic\s{1,3}([A-Za-z0-9+/]{8,400}={0,2})(?![\w+/=])/g,
    group: 1,
    keywords: ["basic "],
    severity: "critical",
    validate: (s) => {
      const d = b64decode(s);
      const i = d.indexOf(":");
      if (i <= 0 || i === d.length - 1) return false;
      if (!/^[\x20-\x7e]+$/.test(d)) return false;
      return realPassword(d.slice(i + 1)) ? 0.9 : false;
    },
    tp: [tc(`Authorization: Basic ${Buffer.from(`svc:${S(B62, 16, "ba1")}`).toString("base64")}`, "header")],
    fp: [
      tc(
        `Authorization: Basic ${Buffer.from("user:password").toString("base64")}`,
        "documentation credentials",
      ),
      tc("Basic Authentication is supported", "prose"),
    ],
  },
  {
    id: "conn.bearer_header",
    kind: "bearer_token",
    description: "Opaque bearer token in an Authorization header (RFC 6750)",
    pattern: /\bBearer\s{1,3}([A-Za-z0-9_~+/.-]{20,2000}=*)(?![\w~+/.=-])/g,
    group: 1,
    keywords: ["bearer "],
    severity: "high",
    generic: true,
    entropy: 3.5,
    validate: (s) =>
      /\d/.test(s) && /[A-Za-z]/.test(s) && !/^(?:your|token|access|<)/i.test(s) ? 0.75 : false,
    tp: [tc(`curl -H "Authorization: Bearer ${S(B64URL, 40, "br1")}" https://api.example.com`, "curl")],
    fp: [
      tc('curl -H "Authorization: Bearer $TOKEN"', "variable"),
      tc("Bearer tokens expire after an hour", "prose"),
    ],
  },
  {
    id: "conn.private_key_assignment",
    kind: "private_key",
    description: "Base64 key material (≥ 40 bytes) assigned to a private/signing/encryption key name",
    pattern:
      /(?:private|signing|encryption|master)[_.-]?key["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([A-Za-z0-9+/]{40,1000}={0,2})(?![\w+/=])/gi,
    group: 1,
    keywords: [
      "privatekey",
      "private_key",
      "private-key",
      "signingkey",
      "signing_key",
      "encryption_key",
      "encryptionkey",
      "master_key",
      "masterkey",
    ],
    severity: "critical",
    entropy: 4,
    tp: [tc(`ENCRYPTION_KEY=${S(B64, 44, "pk1")}`, "env")],
    fp: [tc(`private_key=${"A".repeat(44)}`, "filler")],
  },
  {
    id: "conn.psexec_password",
    kind: "command_line_password",
    description:
      "Password passed on a command line with -p / --password (PsExec, mysql, sshpass, docker/podman/helm registry login, …)",
    pattern:
      /(?:(?:psexec(?:\.exe)?|sshpass|smbclient|net use|runas|sqlcmd|mongosh?|redis-cli|(?:docker|podman|buildah|skopeo|oras|helm registry) login)\b[^\n]{0,200}?(?:\s-p\s|\s--password[= ]|\s-P\s|\s-a\s)|(?:mysql|mysqldump|mysqladmin)\b[^\n]{0,200}?(?:\s-p(?=[^\s-])|\s--password=))("[^"\n]{3,64}"|'[^'\n]{3,64}'|[^\s"'-][^\s"']{2,63})/gi,
    group: 1,
    keywords: [
      "psexec",
      "mysql",
      "sshpass",
      "smbclient",
      "net use",
      "runas",
      "sqlcmd",
      "mongo",
      "redis-cli",
      " login",
    ],
    severity: "high",
    validate: (pw) => {
      const v = pw.replace(/^["']|["']$/g, "");
      return realPassword(v) && !/^%[\w]+%$|^\$/.test(v) && v.toUpperCase() !== "PASSWORD";
    },
    tp: [
      tc(`docker login -u deploy -p ${S(B62, 14, "dl1")} registry.example.com`, "registry login"),
      tc(`mysql -u root -p${S(B62, 12, "ps1")} app < dump.sql`, "mysql"),
      tc(`PsExec.exe \\\\host -u DOMAIN\\admin -p ${S(B62, 10, "ps2")} cmd`, "PsExec"),
    ],
    fp: [
      tc("mysql -u root -p app", "prompting for the password"),
      tc("psexec \\\\host -u admin -p %PASS% cmd", "variable"),
    ],
  },
  {
    id: "conn.cli_user_password",
    kind: "command_line_password",
    description: "user:password passed to curl/wget/httpie with -u/--user",
    pattern:
      /(?:curl|wget|http|https)\b[^\n]{0,200}?\s(?:-u|--user|--http-user|-a|--auth)[ =]["']?[^\s:'"]{1,100}:([^\s'"@]{3,200})/g,
    group: 1,
    keywords: ["curl", "wget", "http"],
    severity: "critical",
    validate: (pw) => realPassword(pw) && !/^\$/.test(pw),
    tp: [tc(`curl -u svc:${S(B62, 20, "cu1")} https://api.example.com/v1`, "curl basic auth")],
    fp: [
      tc("curl -u user:password https://api.example.com", "documentation password"),
      tc("curl -u $USER:$PASS https://x", "variables"),
    ],
  },
  {
    id: "conn.powershell_securestring",
    kind: "command_line_password",
    description: "Plain-text secret converted with PowerShell ConvertTo-SecureString -AsPlainText",
    pattern:
      /ConvertTo-SecureString\s{1,5}(?:-String\s{1,5})?["']([^"'\n$]{4,200})["'][^\n]{0,40}-AsPlainText/gi,
    group: 1,
    keywords: ["convertto-securestring"],
    severity: "high",
    validate: (pw) => realPassword(pw),
    tp: [tc(`$pw = ConvertTo-SecureString "${S(B62, 16, "ps3")}" -AsPlainText -Force`, "script")],
    fp: [tc('ConvertTo-SecureString "$env:PASSWORD" -AsPlainText -Force', "environment variable")],
  },
  {
    id: "conn.vault_unseal",
    kind: "vault_unseal_key",
    description: "HashiCorp Vault unseal key passed to vault operator unseal",
    pattern:
      /vault\s{1,3}operator\s{1,3}unseal\s{1,3}(?:-\S+\s{1,3})*([A-Za-z0-9+/]{40,50}={0,2})(?![\w+/=])/g,
    group: 1,
    keywords: ["operator unseal"],
    severity: "critical",
    entropy: 4,
    tp: [tc(`vault operator unseal ${S(B64, 44, "vu1")}`, "CLI")],
    fp: [tc("vault operator unseal", "prompting for the key")],
  },
  {
    id: "conn.netrc",
    kind: "netrc_password",
    description: "Password in a .netrc / _netrc entry (machine … login … password …)",
    pattern: /machine\s{1,10}\S{1,200}\s{1,10}login\s{1,10}\S{1,200}\s{1,10}password\s{1,10}(\S{3,200})/g,
    group: 1,
    keywords: ["machine"],
    severity: "critical",
    validate: (pw) => realPassword(pw),
    tp: [tc(`machine api.example.com\n  login deploy\n  password ${S(B62, 16, "nr1")}`, ".netrc")],
    fp: [tc("machine api.example.com login deploy password password", "documentation password")],
  },
  {
    id: "conn.docker_config_auth",
    kind: "registry_auth",
    description: "Container registry credentials in a Docker config.json auths entry (base64 user:password)",
    pattern: /"auth"\s{0,3}:\s{0,3}"([A-Za-z0-9+/]{12,400}={0,2})"/g,
    group: 1,
    keywords: ['"auth"'],
    severity: "critical",
    validate: (s, text) => {
      if (!text.includes("auths")) return false;
      const d = b64decode(s);
      const i = d.indexOf(":");
      return i > 0 && i < d.length - 1 && /^[\x20-\x7e]+$/.test(d) && realPassword(d.slice(i + 1));
    },
    tp: [
      tc(
        `{"auths": {"registry.example.com": {"auth": "${Buffer.from(`ci:${S(B64, 24, "dc1")}`).toString("base64")}"}}}`,
        "config.json",
      ),
    ],
    fp: [tc(`{"auth": "${Buffer.from("not-a-pair").toString("base64")}"}`, "no auths map, no user:password")],
  },
  {
    id: "conn.credential_constructor",
    kind: "password",
    description:
      "Password passed as a literal to a credential constructor or login call (NetworkCredential, HTTPBasicAuth, UsernamePasswordCredentials, auth=(user, password), .login(user, password), set_credentials, …)",
    // The second argument after a literal or variable user name; the constructor names say what
    // the argument is, so the value only has to be a real literal (not a placeholder or reference).
    pattern:
      /(?:(?:NetworkCredential|PSCredential|HTTPBasicAuth|HTTPDigestAuth|HttpBasicAuth|BasicAuth|UsernamePasswordCredentials|PasswordAuthentication|UsernamePasswordAuthenticationToken|PasswordCredential|\.login|[Ss]et_?[Cc]redentials)\(|\bauth\s{0,2}=\s{0,2}\()\s{0,3}(?:"[^"\n]{1,64}"|'[^'\n]{1,64}'|[A-Za-z_$][\w.$]{0,40})\s{0,3},\s{0,3}["']([^"'\n]{4,128})["']/g,
    group: 1,
    keywords: ["credential", "basicauth", "digestauth", "passwordauthentication", "auth", ".login("],
    severity: "high",
    score: 0.8,
    validate: (pw) => !isPlaceholder(pw, "password") && realPassword(pw),
    tp: [
      tc(
        `$wc.Credentials = New-Object System.Net.NetworkCredential("builder", "${S(B62, 20, "cc1")}")`,
        "PowerShell / .NET",
      ),
      tc(`requests.get(url, auth=HTTPBasicAuth("svc", "Tr4vel-Mug-77"))`, "Python requests"),
      tc(`requests.get(url, auth=('svc', 'Tr4vel-Mug-77'))`, "Python auth tuple"),
      tc(`new UsernamePasswordCredentials(user, "${S(B62, 16, "cc2")}")`, "Java, variable user"),
      tc(`server.login("reports@acme.test", "${S(B62, 16, "cc3")}")`, "smtplib / ftplib login"),
      tc(`client.set_credentials("svc", "${S(B62, 24, "cc4")}")`, "SDK credentials setter"),
    ],
    fp: [
      tc('new NetworkCredential("user", "password")', "placeholder password"),
      tc("new NetworkCredential(user, password)", "variables"),
      tc('ftp.login("anonymous", "guest")', "anonymous FTP login with a documented guest password"),
      tc('auth=("admin", "<your-password>")', "placeholder"),
      tc('HTTPBasicAuth("svc", os.environ["PW"])', "environment reference"),
    ],
  },
];
