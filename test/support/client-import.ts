// Helpers of the client import tests: CSV files with known good and bad rows, the upload, waiting for the end.
import { TIME_ZONES } from '../../lib/time/zones';
import { ADMIN_KEY, waitFor, type Stack } from './stack';

export interface Upload {
  status: number;
  body: any;
  location: string | null;
}

/** POSTs a CSV body (text or bytes) to /clients/import. */
export async function uploadCsv(s: Stack, body: string | Buffer, query = '', contentType = 'text/csv'): Promise<Upload> {
  const res = await fetch(`${s.api.url}/api/v1/clients/import${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, location: res.headers.get('location') };
}

/** The import once it has ended (completed or failed). */
export async function importEnded(s: Stack, id: number, timeoutMs = 120_000): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await s.http('GET', `/api/v1/clients/imports/${id}`)).body;
    return last.status === 'completed' || last.status === 'failed';
  }, timeoutMs, `import ${id} ended`);
  return last;
}

/** Every kept rejection of an import, paging with `limit`. */
export async function allRejections(s: Stack, id: number, limit = 100): Promise<any[]> {
  const items: any[] = [];
  let cursor: number | null = null;
  do {
    const page: any = (await s.http('GET', `/api/v1/clients/imports/${id}/rejections?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`)).body;
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return items;
}

export interface GeneratedFile {
  csv: string;
  /** Valid rows by phone: the values the last row of each phone carries. */
  clients: Map<string, { operator_code: string; tag: string; timezone: string }>;
  /** Expected rejections: line -> the fields named. */
  bad: Map<number, string[]>;
  rows: number;
}

/**
 * `count` data rows (phones 7<prefix><6 digits>), header on line 1: every 97th row a repeat of an earlier phone
 * with new values (the last wins), every 3rd an empty operator_code (derived), and at the given lines a bad row.
 */
export function generateFile(count: number, prefix = '9', badEvery = 0): GeneratedFile {
  const lines = ['phone,operator_code,tag,timezone'];
  const clients = new Map<string, { operator_code: string; tag: string; timezone: string }>();
  const bad = new Map<number, string[]>();
  const badRows: [string, string[]][] = [
    ['12345,900,x,UTC', ['phone']],
    [`7${prefix}00000000${String(count).slice(-1)},900,x,Mars/Base`, ['timezone']],
    [`7${prefix}11111111${String(count).slice(-1)},900,a\u0000b,UTC`, ['tag']],
    [`7${prefix}22222222${String(count).slice(-1)},900,${'t'.repeat(65)},UTC`, ['tag']],
    [`7${prefix}33333333${String(count).slice(-1)},900,x,UTC,extra`, ['row']],
    [`7${prefix}44444444${String(count).slice(-1)},90,x,UTC`, ['operator_code']],
  ];
  for (let i = 0; i < count; i++) {
    const line = i + 2;
    if (badEvery > 0 && i % badEvery === badEvery - 1) {
      const [text, fields] = badRows[Math.floor(i / badEvery) % badRows.length];
      lines.push(text);
      bad.set(line, fields);
      continue;
    }
    const phone = i % 97 === 96 ? `7${prefix}${String(i - 50).padStart(9, '0')}` : `7${prefix}${String(i).padStart(9, '0')}`;
    const operator = i % 3 === 0 ? '' : String(900 + (i % 50));
    const tag = i % 11 === 0 ? 'with, comma "q"' : `t${i % 7}`;
    const timezone = TIME_ZONES[i % TIME_ZONES.length];
    const quoted = tag.includes(',') ? `"${tag.replace(/"/g, '""')}"` : tag;
    lines.push(`${phone},${operator},${quoted},${timezone}`);
    clients.set(phone, { operator_code: operator || phone.slice(1, 4), tag, timezone });
  }
  return { csv: `${lines.join('\r\n')}\r\n`, clients, bad, rows: count };
}

/** Valid rows of a generated file (rows - rejected). */
export const validRows = (f: GeneratedFile): number => f.rows - f.bad.size;
