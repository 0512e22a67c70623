import { stringify } from 'csv-stringify/sync';
import type { DailyFigures } from './daily-figures';

export const CSV_COLUMNS = ['date', 'mailing_id', 'mailing_status', 'text', 'sent', 'failed', 'unknown', 'expired', 'cancelled', 'total', 'failure_reasons'] as const;

/**
 * One row per mailing active that day (the same figures as the e-mail), with a header row. Failure reasons as
 * "status: reason (count)" joined by " | ". A cell that a spreadsheet would run as a formula (=, +, -, @ first) gets
 * a leading apostrophe: the texts are user input.
 */
export function mailingsCsv(f: DailyFigures): string {
  const rows = f.mailings.rows.map((m) => [
    f.date,
    m.mailingId,
    m.status ?? 'deleted',
    safeCell(m.text ?? ''),
    m.counts.sent,
    m.counts.failed,
    m.counts.unknown,
    m.counts.expired,
    m.counts.cancelled,
    m.total,
    safeCell(m.reasons.map((r) => `${r.status}: ${r.reason} (${r.count})`).join(' | ')),
  ]);
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' });
}

const safeCell = (v: string): string => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
