/**
 * RFC 6587 §3.4.1 octet counting, also the framing RFC 5425 §4.3 mandates for TLS:
 *
 *   SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG
 *   MSG-LEN      = NONZERO-DIGIT *DIGIT     ; octets of SYSLOG-MSG
 *
 * Unlike newline-delimited framing (§3.4.2) it carries any byte, newlines included, unambiguously.
 */
export function octetCountedFrame(message: string): Buffer {
  const body = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
}

/** Splits a stream of octet-counted frames; returns the messages and the unconsumed rest. */
export function parseOctetCountedFrames(buffer: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let offset = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number(buffer.subarray(offset, space).toString("ascii"));
    if (!Number.isInteger(length) || length <= 0) throw new Error(`bad octet count at byte ${offset}`);
    if (buffer.length < space + 1 + length) break;
    messages.push(buffer.subarray(space + 1, space + 1 + length).toString("utf8"));
    offset = space + 1 + length;
  }
  return { messages, rest: buffer.subarray(offset) };
}
