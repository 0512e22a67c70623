import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkRecord, parseHeader, type ImportHeader } from '../../api/client-import/rows';
import { CreateClientBody } from '../../api/schemas/client.schemas';
import { CsvReader, CsvSyntaxError, type CsvRecord } from '../../lib/clients/csv-parser';

/** Parses `text` fed in pieces of `size` characters (0: whole). */
function parse(text: string, size = 0): CsvRecord[] {
  const reader = new CsvReader(200);
  const out: CsvRecord[] = [];
  const step = size || text.length || 1;
  for (let i = 0; i < text.length; i += step) reader.push(text.slice(i, i + step), out);
  reader.end(out);
  return out;
}

describe('CsvReader', () => {
  const sample = 'a,b\r\n1,"x,y"\r\n\r\n2,"he said ""hi"""\n3,"multi\nline",z\n\n4';
  const expected = [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, fields: ['1', 'x,y'] },
    { line: 4, fields: ['2', 'he said "hi"'] },
    { line: 5, fields: ['3', 'multi\nline', 'z'] },
    { line: 8, fields: ['4'] },
  ];

  test('quotes, doubled quotes, CRLF and LF, empty lines skipped, the line each record starts on', () => {
    assert.deepEqual(parse(sample), expected);
  });

  test('the same records whatever the chunk boundaries', () => {
    for (let size = 1; size <= sample.length; size++) assert.deepEqual(parse(sample, size), expected, `chunks of ${size}`);
  });

  test('lenient where the intent is plain: a stray quote is a character, empty fields are kept', () => {
    assert.deepEqual(parse('x,ab"c,d\n,,\n'), [
      { line: 1, fields: ['x', 'ab"c', 'd'] },
      { line: 2, fields: ['', '', ''] },
    ]);
  });

  test('an unclosed quote or an overlong record is a syntax error naming the line', () => {
    assert.throws(() => parse('a\n"open\n'), (err: unknown) => err instanceof CsvSyntaxError && err.line === 2 && /never closed/.test(err.message));
    assert.throws(() => parse(`a\n${'x'.repeat(300)}\n`), (err: unknown) => err instanceof CsvSyntaxError && err.line === 2 && /longer than 200/.test(err.message));
  });
});

describe('import header and rows', () => {
  const header = (fields: string[]): ImportHeader => {
    const parsed = parseHeader({ line: 1, fields });
    assert.ok('header' in parsed, JSON.stringify(parsed));
    return parsed.header;
  };

  test('the header: any order, any case, required columns, no unknown or repeated column, no NUL', () => {
    assert.deepEqual(header([' Timezone', 'PHONE']).positions, { phone: 1, operator_code: -1, tag: -1, timezone: 0 });
    const bad = (fields: string[]) => {
      const parsed = parseHeader({ line: 1, fields });
      return 'errors' in parsed ? parsed.errors.map((e) => e.message).join('; ') : 'valid';
    };
    assert.match(bad(['phone', 'tag']), /the column timezone is required/);
    assert.match(bad(['phone', 'timezone', 'email']), /unknown column 'email'/);
    assert.match(bad(['phone', 'timezone', 'Phone']), /duplicate column 'phone'/);
    assert.match(bad(['phone', 'time\u0000zone']), /NUL/);
  });

  test('rows are checked exactly as POST /clients checks a client, and the phone gives a missing operator code', () => {
    const h = header(['phone', 'operator_code', 'tag', 'timezone']);
    const row = (fields: string[]) => checkRecord(h, { line: 7, fields });
    assert.deepEqual(row(['79161234567', '', 'vip', 'Europe/Moscow']), { line: 7, phone: '79161234567', operatorCode: '916', tag: 'vip', timezone: 'Europe/Moscow', errors: null });
    const samples: string[][] = [
      ['79161234567', '900', '', 'UTC'],
      ['7916123456', '900', '', 'UTC'],
      ['79161234567', '9000', '', 'UTC'],
      ['79161234567', '', 't'.repeat(64), 'UTC'],
      ['79161234567', '', 't'.repeat(65), 'UTC'],
      ['79161234567', '', '', 'Europe/Kyiv '],
      ['', '', '', ''],
    ];
    for (const fields of samples) {
      const [phone, operator, tag, timezone] = fields;
      const api = CreateClientBody.safeParse({ phone, ...(operator ? { operator_code: operator } : {}), tag, timezone });
      const checked = row(fields);
      assert.equal(checked.errors === null, api.success, JSON.stringify(fields));
      if (!api.success) assert.deepEqual(checked.errors?.map((e) => e.reason), api.error.issues.map((i) => i.message));
    }
    assert.deepEqual(row(['79161234567', '', 'a\u0000b', 'UTC']).errors, [{ field: 'tag', reason: 'must not contain the NUL character (\\u0000)' }]);
    assert.deepEqual(row(['79161234567', 'UTC']), {
      line: 7, phone: '79161234567', operatorCode: null, tag: null, timezone: null, errors: [{ field: 'row', reason: 'has 2 fields; the header has 4' }],
    });
  });
});
