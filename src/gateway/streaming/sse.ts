/**
 * An incremental parser for server-sent events (WHATWG HTML §9.2.6, "Interpreting an event
 * stream"): lines end in CRLF, LF or CR; a blank line dispatches the event; `data` lines join with
 * LF; lines starting with ":" are comments. Each event also carries its canonical text (`raw`, with
 * LF line ends) so an untouched event can be passed on as it came.
 */
export interface SseEvent {
  event?: string;
  data: string;
  raw: string;
}

export class SseTooLargeError extends Error {
  constructor(limit: number) {
    super(`server-sent event larger than ${limit} bytes`);
    this.name = "SseTooLargeError";
  }
}

export class SseParser {
  private buffer = "";
  private lines: string[] = [];
  private pendingBytes = 0;
  /** A CR ended the last chunk: if the next chunk starts with LF, it belongs to that CR. */
  private skipLeadingLf = false;

  constructor(private readonly maxEventBytes = 8 * 1024 * 1024) {}

  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let text = chunk;
    if (this.skipLeadingLf && text.startsWith("\n")) text = text.slice(1);
    this.skipLeadingLf = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.buffer + text.slice(start, i);
      this.buffer = "";
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = i + 1;
      if (line === "") {
        const event = this.dispatch();
        if (event) events.push(event);
      } else {
        this.lines.push(line);
      }
    }
    this.buffer += text.slice(start);
    this.pendingBytes = this.buffer.length + this.lines.reduce((n, l) => n + l.length + 1, 0);
    if (this.pendingBytes > this.maxEventBytes) throw new SseTooLargeError(this.maxEventBytes);
    return events;
  }

  /** At end of input: an event without its final blank line is incomplete and is discarded, per spec. */
  get hasPartialEvent(): boolean {
    return this.lines.length > 0 || this.buffer.length > 0;
  }

  private dispatch(): SseEvent | undefined {
    const lines = this.lines;
    this.lines = [];
    if (lines.length === 0) return undefined;
    let event: string | undefined;
    const data: string[] = [];
    let hasData = false;
    for (const line of lines) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") {
        data.push(value);
        hasData = true;
      }
    }
    if (!hasData && event === undefined) return undefined;
    return {
      ...(event !== undefined ? { event } : {}),
      data: data.join("\n"),
      raw: `${lines.join("\n")}\n\n`,
    };
  }
}

/** Serialises one event. */
export function formatSse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}
