/**
 * A streaming CSV parser (RFC 4180: quoted fields, doubled quotes, CRLF or LF, newlines inside
 * quotes). Fed text in chunks of any size, it returns complete records; it never throws on
 * content. Tolerances, as most writers need: a quote inside an unquoted field is kept as a
 * character, and text after a closing quote is appended. Bounds: a field longer than
 * `maxFieldChars` or a record with more than `maxFields` fields becomes an error record, and the
 * parser resynchronises at the next line end outside quotes.
 */

export type CsvRecord = { fields: string[] } | { error: string };

export interface CsvOptions {
  delimiter?: string;
  maxFieldChars?: number;
  maxFields?: number;
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  Skipping,
  SkippingQuoted,
}

export class CsvParser {
  private readonly delimiter: number;
  private readonly maxFieldChars: number;
  private readonly maxFields: number;
  private state = State.FieldStart;
  private field: string[] = [];
  private fieldChars = 0;
  private fields: string[] = [];
  private error: string | undefined;
  private pendingCR = false;

  constructor(options: CsvOptions = {}) {
    const d = options.delimiter ?? ",";
    if (d.length !== 1 || d === '"' || d === "\n" || d === "\r") throw new Error("bad CSV delimiter");
    this.delimiter = d.charCodeAt(0);
    this.maxFieldChars = options.maxFieldChars ?? 16 * 1024 * 1024;
    this.maxFields = options.maxFields ?? 10_000;
  }

  private endField(): void {
    if (this.fields.length >= this.maxFields) {
      this.fail(`more than ${this.maxFields} fields`);
      return;
    }
    this.fields.push(this.field.join(""));
    this.field = [];
    this.fieldChars = 0;
  }

  private fail(message: string): void {
    this.error = message;
    this.field = [];
    this.fieldChars = 0;
    this.fields = [];
    this.state = this.state === State.Quoted ? State.SkippingQuoted : State.Skipping;
  }

  private endRecord(out: CsvRecord[]): void {
    if (this.error !== undefined) {
      out.push({ error: this.error });
      this.error = undefined;
    } else {
      this.endField();
      if (this.error !== undefined) {
        out.push({ error: this.error });
        this.error = undefined;
      } else if (!(this.fields.length === 1 && this.fields[0] === "")) {
        out.push({ fields: this.fields });
      }
    }
    this.fields = [];
    this.field = [];
    this.fieldChars = 0;
    this.state = State.FieldStart;
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from) return;
    this.fieldChars += to - from;
    if (this.fieldChars > this.maxFieldChars) {
      this.fail(`a field longer than ${this.maxFieldChars} characters`);
      return;
    }
    this.field.push(text.slice(from, to));
  }

  /** Parses a chunk; returns the records completed by it. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    const n = text.length;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (n > 0 && text.charCodeAt(0) === 10) i = 1;
    }
    while (i < n) {
      const state = this.state;
      if (state === State.Skipping || state === State.SkippingQuoted) {
        const c = text.charCodeAt(i++);
        if (c === 34) this.state = state === State.Skipping ? State.SkippingQuoted : State.Skipping;
        else if ((c === 10 || c === 13) && state === State.Skipping) {
          if (c === 13) {
            if (i < n && text.charCodeAt(i) === 10) i++;
            else if (i === n) this.pendingCR = true;
          }
          this.endRecord(out);
        }
        continue;
      }
      if (state === State.Quoted) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          this.append(text, i, n);
          i = n;
        } else {
          this.append(text, i, q);
          // The quote at q is consumed: after a failure it closes the skipped quoted field.
          this.state = this.state === State.Quoted ? State.QuoteInQuoted : State.Skipping;
          i = q + 1;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (state === State.QuoteInQuoted) {
        if (c === 34) {
          this.append('"', 0, 1);
          this.state = this.state === State.QuoteInQuoted ? State.Quoted : State.SkippingQuoted;
          i++;
          continue;
        }
        // Text after the closing quote: kept (lenient), the field continues unquoted.
        this.state = State.Unquoted;
      }
      if (this.state === State.FieldStart && c === 34) {
        this.state = State.Quoted;
        i++;
        continue;
      }
      // Unquoted run: up to the next delimiter or line end.
      let j = i;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === this.delimiter || d === 10 || d === 13) break;
        j++;
      }
      this.append(text, i, j);
      if (this.state === State.FieldStart) this.state = State.Unquoted;
      if (j === n) {
        i = n;
        break;
      }
      const d = text.charCodeAt(j);
      i = j + 1;
      const now = this.state as State;
      if (now === State.Skipping || now === State.SkippingQuoted) {
        if (d === 10 || d === 13) {
          if (d === 13) {
            if (i < n && text.charCodeAt(i) === 10) i++;
            else if (i === n) this.pendingCR = true;
          }
          this.endRecord(out);
        }
        continue;
      }
      if (d === this.delimiter) {
        this.endField();
        if (this.state !== State.Skipping) this.state = State.FieldStart;
      } else {
        if (d === 13) {
          if (i < n && text.charCodeAt(i) === 10) i++;
          else if (i === n) this.pendingCR = true;
        }
        this.endRecord(out);
      }
    }
    return out;
  }

  /** Flushes the last record; an open quote at the end of input is an error record. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.state === State.Quoted || this.state === State.SkippingQuoted) {
      out.push({ error: "unterminated quoted field at the end of the input" });
      this.state = State.FieldStart;
      this.fields = [];
      this.field = [];
      return out;
    }
    if (
      this.error !== undefined ||
      this.fields.length > 0 ||
      this.field.length > 0 ||
      this.state !== State.FieldStart
    ) {
      this.endRecord(out);
    }
    return out;
  }
}
