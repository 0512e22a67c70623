// The client import's checks of one CSV file: its header, then each record, by exactly the rules of POST /clients
// (the CreateClient zod schema itself runs on every row, so an import and the API never disagree).
import type { CsvRecord } from '../../lib/clients/csv-parser';
import type { ImportRowError } from '../../lib/db/client-import-tables';
import type { FieldError } from '../errors';
import { findBadInput } from '../input-guard';
import { zodIssues } from '../route';
import { CreateClientBody } from '../schemas/client.schemas';

export const IMPORT_COLUMNS = ['phone', 'operator_code', 'tag', 'timezone'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
const REQUIRED: readonly ImportColumn[] = ['phone', 'timezone'];
/** The phone of a rejected row is kept for the report as written, up to this many characters. */
const KEPT_PHONE_CHARS = 64;
/** The API's own words for a NUL character (api/input-guard.ts). */
const NUL_REASON = findBadInput('\u0000', 'value')?.message ?? 'must not contain the NUL character';

export interface ImportHeader {
  /** Each column's position in a record; -1 when the file does not have it. */
  positions: Record<ImportColumn, number>;
  width: number;
}

/**
 * The header row: the columns phone and timezone, optionally operator_code and tag, in any order, each once (names
 * compared without case and surrounding blanks). Anything else is the 400's field errors, all of them at once.
 */
export function parseHeader(record: CsvRecord): { header: ImportHeader } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const positions: Record<ImportColumn, number> = { phone: -1, operator_code: -1, tag: -1, timezone: -1 };
  record.fields.forEach((raw, i) => {
    const where = `header.${i + 1}`;
    const nul = findBadInput(raw, where);
    if (nul) return void errors.push(nul);
    const name = raw.trim().toLowerCase();
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
      return void errors.push({ path: where, message: `unknown column '${raw.slice(0, 64)}': the columns are ${IMPORT_COLUMNS.join(', ')}` });
    }
    const column = name as ImportColumn;
    if (positions[column] !== -1) return void errors.push({ path: where, message: `duplicate column '${column}' (also column ${positions[column] + 1})` });
    positions[column] = i;
  });
  for (const column of REQUIRED) {
    if (positions[column] === -1) errors.push({ path: `header.${column}`, message: `the column ${column} is required` });
  }
  return errors.length > 0 ? { errors } : { header: { positions, width: record.fields.length } };
}

/** A checked record as staged: the values to upsert when valid, or the phone as written and the errors. */
export interface CheckedRow {
  line: number;
  phone: string | null;
  operatorCode: string | null;
  tag: string | null;
  timezone: string | null;
  errors: ImportRowError[] | null;
}

const keptPhone = (value: string | undefined): string | null =>
  value === undefined ? null : value.slice(0, KEPT_PHONE_CHARS).replace(/\u0000/g, '\uFFFD');

/**
 * One record: the right number of fields, no NUL character, then CreateClient. An empty operator_code cell means
 * "derive it from the phone" (digits 2-4, as POST /clients does); an empty tag is the empty tag; values are taken
 * as written (no trimming, as the API).
 */
export function checkRecord(header: ImportHeader, record: CsvRecord): CheckedRow {
  const { fields, line } = record;
  const p = header.positions;
  if (fields.length !== header.width) {
    const reason = `has ${fields.length} field${fields.length === 1 ? '' : 's'}; the header has ${header.width}`;
    return rejected(line, p.phone === -1 ? undefined : fields[p.phone], [{ field: 'row', reason }]);
  }
  const phone = fields[p.phone];
  const timezone = fields[p.timezone];
  const operatorCode = p.operator_code === -1 ? '' : fields[p.operator_code];
  const tag = p.tag === -1 ? '' : fields[p.tag];
  const nul: ImportRowError[] = [];
  for (const column of IMPORT_COLUMNS) {
    if (p[column] !== -1 && fields[p[column]].includes('\u0000')) nul.push({ field: column, reason: NUL_REASON });
  }
  if (nul.length > 0) return rejected(line, phone, nul);
  const parsed = CreateClientBody.safeParse(operatorCode === '' ? { phone, tag, timezone } : { phone, operator_code: operatorCode, tag, timezone });
  if (!parsed.success) {
    return rejected(line, phone, zodIssues(parsed.error, '').map((e) => ({ field: e.path || 'row', reason: e.message })));
  }
  const v = parsed.data;
  return { line, phone: v.phone, operatorCode: v.operator_code ?? v.phone.slice(1, 4), tag: v.tag, timezone: v.timezone, errors: null };
}

function rejected(line: number, phone: string | undefined, errors: ImportRowError[]): CheckedRow {
  return { line, phone: keptPhone(phone), operatorCode: null, tag: null, timezone: null, errors };
}
