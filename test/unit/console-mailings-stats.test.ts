import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatRelative, hasData, isFinished, progressShare, seriesColumns, temporalRunUrl, toColumns, zoneList } from '../../console/src/mailings/progress';
import { bucketColumns, bucketFor, customRange, presetRange, refreshMs } from '../../console/src/overview/range';

describe('mailing progress and statistics', () => {
  const counts = { pending: 25, sent: 60, failed: 5, unknown: 5, expired: 3, cancelled: 2 };

  test('how far a mailing got and whether it is finished', () => {
    assert.deepEqual(progressShare(counts, 100), { done: 75, share: 0.75 });
    assert.deepEqual(progressShare({ ...counts, pending: 0 }, 0), { done: 0, share: 0 });
    assert.equal(isFinished('completed'), true);
    assert.equal(isFinished('cancelled'), true);
    assert.equal(isFinished('paused'), false);
  });

  test('a bucketed series as chart columns, per bucket or running total', () => {
    const points = [
      { at: '2026-12-03T11:00:00.000Z', sent: 3, failed: 0 },
      { at: '2026-12-03T11:01:00.000Z', sent: 0, failed: 1 },
      { at: '2026-12-03T11:02:00.000Z', sent: 4, failed: 0 },
    ];
    assert.deepEqual(toColumns(points, ['sent', 'failed']), { times: [1796295600, 1796295660, 1796295720], values: { sent: [3, 0, 4], failed: [0, 1, 0] } });
    assert.deepEqual(toColumns(points, ['sent'], true).values.sent, [3, 3, 7]);
    assert.equal(hasData(points, ['failed']), true);
    assert.equal(hasData(points.map((p) => ({ ...p, sent: 0, failed: 0 })), ['sent', 'failed']), false);
  });

  test('a timeline of one minute still spans time: running totals from 0 at its start, bars with an empty bucket after', () => {
    const series = { bucket: 'minute' as const, points: [{ at: '2026-12-03T11:00:00.000Z', sent: 2, failed: 1 }] };
    assert.deepEqual(seriesColumns(series, ['sent', 'failed'], true), { times: [1796295600, 1796295660], values: { sent: [0, 2], failed: [0, 1] } });
    assert.deepEqual(seriesColumns(series, ['sent'], false), { times: [1796295600, 1796295660], values: { sent: [2, 0] } });
    assert.deepEqual(seriesColumns({ bucket: 'hour', points: [] as { at: string; sent: number }[] }, ['sent'], true), { times: [], values: { sent: [] } });
  });

  test('long zone lists are cut for a table cell', () => {
    assert.deepEqual(zoneList(['A', 'B', 'C', 'D', 'E']), { names: ['A', 'B', 'C'], more: 2 });
    assert.deepEqual(zoneList(['A']), { names: ['A'], more: 0 });
  });

  test('next wake-up relative to now, in the viewer’s language', () => {
    const now = new Date('2026-12-03T11:00:00Z');
    assert.equal(formatRelative('2026-12-03T11:05:00Z', now, 'en'), 'in 5 minutes');
    assert.equal(formatRelative('2026-12-03T09:00:00Z', now, 'en'), '2 hours ago');
    assert.equal(formatRelative('2026-12-04T11:00:00Z', now, 'en'), 'tomorrow');
    assert.equal(formatRelative('2026-12-03T11:00:02Z', now, 'en'), 'now');
    assert.equal(formatRelative('2026-12-03T11:05:00Z', now, 'ru'), 'через 5 минут');
  });

  test('the run in the Temporal Web UI', () => {
    assert.equal(temporalRunUrl('http://127.0.0.1:8233/', 'mailing-12'), 'http://127.0.0.1:8233/namespaces/default/workflows/mailing-12');
    assert.equal(temporalRunUrl('https://t.example/ui', 'mailing-3', 'prod ns'), 'https://t.example/ui/namespaces/prod%20ns/workflows/mailing-3');
    assert.equal(temporalRunUrl(null, 'mailing-12'), null);
  });

  test('overview ranges: presets end now and pick a bucket the API accepts', () => {
    const now = new Date('2026-12-03T11:05:00.000Z');
    assert.deepEqual(presetRange('1h', now), { from: '2026-12-03T10:05:00.000Z', to: '2026-12-03T11:05:00.000Z', bucket: 'minute' });
    assert.equal(presetRange('24h', now).bucket, 'hour');
    assert.equal(presetRange('7d', now).bucket, 'hour');
    assert.deepEqual(presetRange('30d', now), { from: '2026-11-03T11:05:00.000Z', to: '2026-12-03T11:05:00.000Z', bucket: 'day' });
    assert.equal(bucketFor(6 * 3_600_000), 'minute');
    assert.equal(bucketFor(6 * 3_600_000 + 1), 'hour');
    assert.equal(refreshMs('minute'), 15_000);
  });

  test('a custom range needs both ends, from before to', () => {
    assert.deepEqual(customRange('2026-12-01T00:00:00Z', '2026-12-03T00:00:00Z'), { from: '2026-12-01T00:00:00.000Z', to: '2026-12-03T00:00:00.000Z', bucket: 'hour' });
    assert.equal(customRange(null, '2026-12-03T00:00:00Z'), null);
    assert.equal(customRange('2026-12-03T00:00:00Z', '2026-12-03T00:00:00Z'), null);
    assert.equal(customRange('2026-01-01T00:00:00Z', '2026-12-03T00:00:00Z')?.bucket, 'day');
  });

  test('statistics buckets are plotted at their middle, between empty points at the range edges', () => {
    const series = {
      bucket: 'hour' as const,
      from: '2026-12-03T10:00:00.000Z',
      to: '2026-12-03T12:00:00.000Z',
      points: [
        { at: '2026-12-03T10:00:00.000Z', attempts: 0, success_rate: null },
        { at: '2026-12-03T11:00:00.000Z', attempts: 3, success_rate: 2 / 3 },
      ],
    };
    const columns = bucketColumns(series, { attempts: (p) => p.attempts, rate: (p) => p.success_rate });
    assert.deepEqual(columns.times, [1796292000, 1796293800, 1796297400, 1796299200]);
    assert.deepEqual(columns.values, { attempts: [null, 0, 3, null], rate: [null, null, 2 / 3, null] });
  });
});
