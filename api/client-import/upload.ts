// Reading an import's upload: bytes -> UTF-8 text (strict) -> CSV records -> checked rows -> staging, streamed with
// backpressure (the request is only read as fast as the staging inserts go), so a file is never held whole.
import { CsvReader, CsvSyntaxError, type CsvRecord } from '../../lib/clients/csv-parser';
import { noteUploadProgress, stageImportRows, type StagedImportRow } from '../../lib/db/client-import.repository';
import type { Db } from '../../lib/db/connect';
import { HttpError, ValidationError } from '../errors';
import { checkRecord, type ImportHeader } from './rows';

/** How often an upload notes its progress in the import row (rows read; also what marks the upload as alive). */
const PROGRESS_MS = 1_000;

export class PayloadTooLargeError extends HttpError {
  constructor(maxBytes: number) {
    super(413, 'Payload too large', `The file is larger than ${maxBytes} bytes (IMPORT_MAX_BYTES); split it into several imports.`);
  }
}

/** The request's bytes as CSV records, checked for size and encoding on the way. */
export class CsvUpload {
  bytes = 0;
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true }); // a leading BOM is dropped
  private readonly reader = new CsvReader();
  private ended = false;

  constructor(
    source: AsyncIterable<Buffer>,
    private readonly maxBytes: number,
  ) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** The next records (at least one), or null at the end of the body. Throws an HttpError (400, 413) on bad input. */
  async next(): Promise<CsvRecord[] | null> {
    const out: CsvRecord[] = [];
    while (out.length === 0 && !this.ended) {
      const chunk = await this.read();
      try {
        if (chunk === null) {
          this.ended = true;
          this.reader.push(this.decoder.decode(), out);
          this.reader.end(out);
        } else {
          this.reader.push(this.decoder.decode(chunk, { stream: true }), out);
        }
      } catch (err) {
        if (err instanceof CsvSyntaxError) throw new ValidationError([{ path: `body.line.${err.line}`, message: err.message }], 'The file is not valid CSV.');
        if ((err as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
          throw new ValidationError([{ path: 'body', message: `is not valid UTF-8 (in the bytes up to ${this.bytes})` }], 'The file must be UTF-8 text.');
        }
        throw err;
      }
    }
    return out.length > 0 ? out : null;
  }

  private async read(): Promise<Buffer | null> {
    let item: IteratorResult<Buffer>;
    try {
      item = await this.chunks.next();
    } catch (err) {
      throw new HttpError(400, 'Bad request', 'The upload was interrupted before its end.', undefined, { cause: err });
    }
    if (item.done) return null;
    this.bytes += item.value.length;
    if (this.bytes > this.maxBytes) throw new PayloadTooLargeError(this.maxBytes);
    return item.value;
  }
}

/**
 * Stages the upload's rows (after the header) in batches of `batchRows`, one insert in flight while the next batch is
 * read and checked. Returns the rows read. On any failure it waits for the insert in flight before throwing, so the
 * caller can delete what was staged knowing nothing lands after.
 */
export async function stageUpload(input: {
  db: Db;
  importId: number;
  header: ImportHeader;
  upload: CsvUpload;
  first: CsvRecord[];
  batchRows: number;
}): Promise<number> {
  const { db, importId, header, upload, batchRows } = input;
  let inFlight: Promise<void> = Promise.resolve();
  let batch: StagedImportRow[] = [];
  let rowsRead = 0;
  let noted = Date.now();
  const send = async () => {
    await inFlight;
    const rows = batch;
    batch = [];
    inFlight = stageImportRows(db, importId, rows);
    inFlight.catch(() => undefined); // awaited below; this only keeps a failure meanwhile from being "unhandled"
  };
  try {
    for (let records: CsvRecord[] | null = input.first; records; records = await upload.next()) {
      for (const record of records) batch.push(checkRecord(header, record));
      rowsRead += records.length;
      if (batch.length < batchRows) continue;
      await send();
      if (Date.now() - noted >= PROGRESS_MS) {
        noted = Date.now();
        await noteUploadProgress(db, importId, { rowsRead, bytes: upload.bytes });
      }
    }
    await send();
    await inFlight;
    return rowsRead;
  } catch (err) {
    await inFlight.catch(() => undefined);
    throw err;
  }
}
