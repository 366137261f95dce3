/**
 * Independent readers for what the encoders write, used to check escaping semantically (a value
 * read back equals the value written) and to read what rsyslog stored. Written from the grammars
 * (RFC 5424 §6, CEF rev. 25), not from the encoders.
 */

export interface ParsedSyslog {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: Array<{ id: string; params: Array<[string, string]> }>;
  msg: string;
}

export function parseSyslog(line: string): ParsedSyslog {
  const header = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(line);
  if (!header) throw new Error(`not an RFC 5424 header: ${line.slice(0, 80)}`);
  let i = header[0].length;
  const sd: ParsedSyslog["sd"] = [];
  if (line[i] === "-") {
    i++;
  } else {
    while (line[i] === "[") {
      i++;
      const idEnd = line.slice(i).search(/[ \]]/);
      const id = line.slice(i, i + idEnd);
      i += idEnd;
      const params: Array<[string, string]> = [];
      while (line[i] === " ") {
        i++;
        const eq = line.indexOf("=", i);
        const name = line.slice(i, eq);
        if (line[eq + 1] !== '"') throw new Error(`expected '"' after ${name}=`);
        i = eq + 2;
        let value = "";
        for (;;) {
          const c = line[i];
          if (c === undefined) throw new Error("unterminated PARAM-VALUE");
          if (c === "\\" && ['"', "\\", "]"].includes(line[i + 1]!)) {
            value += line[i + 1];
            i += 2;
          } else if (c === '"') {
            i++;
            break;
          } else if (c === "]") {
            throw new Error(`unescaped ']' inside the value of ${name}`);
          } else {
            value += c;
            i++;
          }
        }
        params.push([name, value]);
      }
      if (line[i] !== "]") throw new Error(`expected ']' at ${i}: ${line.slice(i, i + 20)}`);
      i++;
      sd.push({ id, params });
    }
  }
  let msg = "";
  if (line[i] === " ") msg = line.slice(i + 1).replace(/^\uFEFF/, "");
  else if (i !== line.length) throw new Error(`junk after structured data: ${line.slice(i, i + 20)}`);
  return {
    pri: Number(header[1]),
    version: Number(header[2]),
    timestamp: header[3]!,
    hostname: header[4]!,
    appName: header[5]!,
    procId: header[6]!,
    msgId: header[7]!,
    sd,
    msg,
  };
}

export function sdParam(parsed: ParsedSyslog, id: string, name: string): string | undefined {
  return parsed.sd.find((e) => e.id === id)?.params.find(([n]) => n === name)?.[1];
}

export interface ParsedCef {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extension: Record<string, string>;
}

function unescapeHeader(value: string): string {
  return value.replace(/\\([\\|])/g, "$1");
}

function unescapeExtension(value: string): string {
  return value.replace(/\\([\\=nr])/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c));
}

export function parseCef(text: string): ParsedCef {
  const start = text.indexOf("CEF:");
  if (start < 0) throw new Error("no CEF: prefix");
  const fields: string[] = [];
  let current = "";
  let i = start;
  while (fields.length < 7) {
    const c = text[i];
    if (c === undefined) throw new Error("CEF header has fewer than 7 fields");
    if (c === "\\" && (text[i + 1] === "\\" || text[i + 1] === "|")) {
      current += c + text[i + 1];
      i += 2;
    } else if (c === "|") {
      fields.push(current);
      current = "";
      i++;
    } else {
      current += c;
      i++;
    }
  }
  const ext = text.slice(i);
  // A key starts the text or follows a space and is followed by '='; an '=' inside a value is
  // always escaped, so it cannot look like a key.
  const keys = [...ext.matchAll(/(?:^| )([A-Za-z0-9_]+)=/g)];
  const extension: Record<string, string> = {};
  keys.forEach((m, index) => {
    const valueStart = m.index! + m[0].length;
    const valueEnd = index + 1 < keys.length ? keys[index + 1]!.index! : ext.length;
    extension[m[1]!] = unescapeExtension(ext.slice(valueStart, valueEnd));
  });
  const [version, vendor, product, deviceVersion, signatureId, name, severity] = fields.map(unescapeHeader);
  return {
    version: version!,
    vendor: vendor!,
    product: product!,
    deviceVersion: deviceVersion!,
    signatureId: signatureId!,
    name: name!,
    severity: severity!,
    extension,
  };
}
