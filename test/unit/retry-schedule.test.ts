import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JITTER,
  MAX_ATTEMPTS,
  MIN_WAIT_AFTER_TIMEOUT_OR_429_MS,
  MAX_RETRY_AFTER_POSTPONE_MS,
  RETRY_DELAYS_MS,
  nextRetryDelay,
  type FailedAttempt,
} from '../../lib/webhooks/retry-schedule';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../lib/webhooks/retry-after';

// Expected values are written out as literals (not derived from the exported constants) so a wrong table fails.
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const mid = (): number => 0.5;
const low = (): number => 0;
const justBelowOne = 1 - 2 ** -53;
const high = (): number => justBelowOne;

const http = (statusCode: number, retryAfterMs: number | null = null): FailedAttempt => ({ kind: 'http', statusCode, retryAfterMs });
const TIMEOUT: FailedAttempt = { kind: 'timeout', statusCode: null, retryAfterMs: null };
const NETWORK: FailedAttempt = { kind: 'network', statusCode: null, retryAfterMs: null };

/** Delays after attempts 1..7 (the ones that leave an attempt) for one failure and one random source. */
const schedule = (failure: FailedAttempt, random: () => number): (number | null)[] =>
  [1, 2, 3, 4, 5, 6, 7].map((a) => nextRetryDelay(a, failure, random));

test('constants', () => {
  assert.deepEqual([...RETRY_DELAYS_MS], [5 * SEC, 5 * MIN, 30 * MIN, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  assert.equal(MAX_ATTEMPTS, 8);
  assert.equal(JITTER, 0.2);
  assert.equal(MIN_WAIT_AFTER_TIMEOUT_OR_429_MS, 60_000);
  assert.ok(Object.isFrozen(RETRY_DELAYS_MS));
});

test('nominal delays (random 0.5) are the table, for http, network and 503 without Retry-After', () => {
  const nominal = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
  assert.deepEqual(schedule(http(500), mid), nominal);
  assert.deepEqual(schedule(NETWORK, mid), nominal);
  assert.deepEqual(schedule(http(503), mid), nominal);
});

test('the nominal schedule spans 27 h 35 min 5 s', () => {
  const total = schedule(http(500), mid).reduce<number>((sum, d) => sum + (d ?? Number.NaN), 0);
  assert.equal(total, 27 * HOUR + 35 * MIN + 5 * SEC);
  assert.equal(total, 99_305_000);
});

test('jitter bounds are exactly -20% (random 0) and +20% (random just below 1)', () => {
  assert.deepEqual(schedule(http(500), low), [4_000, 240_000, 1_440_000, 5_760_000, 14_400_000, 28_800_000, 28_800_000]);
  assert.deepEqual(schedule(http(500), high), [6_000, 360_000, 2_160_000, 8_640_000, 21_600_000, 43_200_000, 43_200_000]);
  // In between it is linear in random(): 0.25 → -10%.
  assert.equal(nextRetryDelay(2, http(500), () => 0.25), 270_000);
});

test('the result is rounded to whole ms', () => {
  // 5000 * (1 + 0.2 * (2 * 0.123456 - 1)) = 4246.912
  const d = nextRetryDelay(1, http(500), () => 0.123456);
  assert.equal(d, 4_247);
});

test('no attempt left: after attempt 8 (and beyond), and with a custom maxAttempts', () => {
  assert.equal(nextRetryDelay(7, http(500), mid), 36_000_000);
  assert.equal(nextRetryDelay(8, http(500), mid), null);
  assert.equal(nextRetryDelay(9, http(500), mid), null);
  assert.equal(nextRetryDelay(8, TIMEOUT, mid), null);
  assert.equal(nextRetryDelay(8, http(429, 1_000), mid), null);

  assert.equal(nextRetryDelay(1, http(500), mid, 1), null);
  assert.equal(nextRetryDelay(1, http(500), mid, 3), 5_000);
  assert.equal(nextRetryDelay(2, http(500), mid, 3), 300_000);
  assert.equal(nextRetryDelay(3, http(500), mid, 3), null);
});

test('a maxAttempts above the table repeats its last delay', () => {
  assert.equal(nextRetryDelay(8, http(500), mid, 10), 36_000_000);
  assert.equal(nextRetryDelay(9, http(500), mid, 10), 36_000_000);
  assert.equal(nextRetryDelay(10, http(500), mid, 10), null);
});

test('Retry-After on 429/503 is a floor: never earlier than asked, the schedule when it asks less', () => {
  // After attempt 2 the scheduled delay is 5 min.
  for (const status of [429, 503]) {
    assert.equal(nextRetryDelay(2, http(status, 100_000), mid), 300_000, `${status}: below scheduled → the schedule`);
    assert.equal(nextRetryDelay(2, http(status, 1_000_000), mid), 1_000_000, `${status}: far above → honoured`);
    assert.equal(nextRetryDelay(2, http(status, 450_000), mid), 450_000, `${status}: in between → honoured`);
  }
  // The floor holds whatever the jitter: random 0 → scheduled 4 min, random →1 → 6 min.
  assert.equal(nextRetryDelay(2, http(503, 100_000), low), 240_000);
  assert.equal(nextRetryDelay(2, http(503, 1_000_000), low), 1_000_000);
  assert.equal(nextRetryDelay(2, http(503, 0), low), 240_000);
  // The first retry (5 s ± 20%) against Retry-After: 10: never before 10 s, however the jitter falls.
  for (const r of [0, 0.25, 0.5, 0.75, 0.999]) assert.ok(nextRetryDelay(1, http(503, 10_000), () => r)! >= 10_000);
  // Only how long it may postpone is capped: a day.
  assert.equal(nextRetryDelay(2, http(503, 7 * 24 * 3_600_000), mid), MAX_RETRY_AFTER_POSTPONE_MS);
});

test('a shorter schedule (WEBHOOK_RETRY_DELAYS_MS) sets the delays and the number of attempts', () => {
  const policy = { delaysMs: [100, 200] };
  assert.equal(nextRetryDelay(1, http(500), mid, undefined, policy), 100);
  assert.equal(nextRetryDelay(2, http(500), mid, undefined, policy), 200);
  assert.equal(nextRetryDelay(3, http(500), mid, undefined, policy), null, 'three attempts in all');
  assert.equal(nextRetryDelay(1, TIMEOUT, mid, undefined, policy), 200, 'the timeout minimum never exceeds the schedule’s longest delay');
});

test('Retry-After on other statuses and failure kinds is ignored', () => {
  assert.equal(nextRetryDelay(2, http(500, 450_000), mid), 300_000);
  assert.equal(nextRetryDelay(2, http(502, 100_000), mid), 300_000);
  assert.equal(nextRetryDelay(2, { kind: 'network', statusCode: null, retryAfterMs: 450_000 }, mid), 300_000);
});

test('503 without Retry-After waits the scheduled delay (no 60 s minimum)', () => {
  assert.equal(nextRetryDelay(1, http(503), mid), 5_000);
  assert.equal(nextRetryDelay(1, http(503), high), 6_000);
});

test('a timeout waits at least 60 s', () => {
  assert.equal(nextRetryDelay(1, TIMEOUT, mid), 60_000);
  assert.equal(nextRetryDelay(1, TIMEOUT, high), 60_000);
  // Once the schedule is past 60 s the minimum changes nothing.
  assert.equal(nextRetryDelay(2, TIMEOUT, mid), 300_000);
  assert.equal(nextRetryDelay(2, TIMEOUT, low), 240_000);
  // A network error (connection refused) gets no such minimum.
  assert.equal(nextRetryDelay(1, NETWORK, mid), 5_000);
});

test('a 429 waits at least 60 s, with or without Retry-After', () => {
  assert.equal(nextRetryDelay(1, http(429, 2_000), mid), 60_000);
  assert.equal(nextRetryDelay(1, http(429), mid), 60_000);
  assert.equal(nextRetryDelay(1, http(429, 9_000), mid), 60_000);
  assert.equal(nextRetryDelay(2, http(429), mid), 300_000);
});

test('a 429 after attempt 3 (30 min) with Retry-After 1 h waits 1 h, whatever the jitter', () => {
  assert.equal(nextRetryDelay(3, http(429, HOUR), mid), 3_600_000);
  assert.equal(nextRetryDelay(3, http(429, HOUR), low), 3_600_000);
});

test('arguments no caller should produce throw RangeError', () => {
  assert.throws(() => nextRetryDelay(0, http(500), mid), RangeError);
  assert.throws(() => nextRetryDelay(1.5, http(500), mid), RangeError);
  assert.throws(() => nextRetryDelay(1, http(500), mid, 0), RangeError);
  assert.throws(() => nextRetryDelay(1, http(500), () => 1), RangeError);
  assert.throws(() => nextRetryDelay(1, http(500), () => -0.1), RangeError);
  assert.throws(() => nextRetryDelay(1, http(500), () => Number.NaN), RangeError);
  assert.throws(() => nextRetryDelay(1, http(503, -1), mid), RangeError);
  assert.throws(() => nextRetryDelay(1, http(429, Number.NaN), mid), RangeError);
});

test('the module stays workflow-safe: no imports, no clock', async () => {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const source = await readFile(join(__dirname, '../../lib/webhooks/retry-schedule.ts'), 'utf8');
  assert.doesNotMatch(source, /^\s*import\s/m);
  assert.doesNotMatch(source, /\brequire\(/);
  assert.doesNotMatch(source, /Date\.now|new Date|Math\.random|process\./);
});

// --- Retry-After header ---------------------------------------------------------------------------------------------

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // Wed, 15 Jan 2025 12:00:00 GMT

test('parseRetryAfter: delta-seconds', () => {
  assert.equal(parseRetryAfter('120', NOW), 120_000);
  assert.equal(parseRetryAfter(' 5 ', NOW), 5_000);
  assert.equal(parseRetryAfter('0', NOW), 0);
  assert.equal(parseRetryAfter('\t7\r\n', NOW), 7_000);
});

test('parseRetryAfter: HTTP-date', () => {
  assert.equal(parseRetryAfter('Wed, 15 Jan 2025 12:00:30 GMT', NOW), 30_000);
  assert.equal(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW), 90_000);
  assert.equal(parseRetryAfter(' Wed, 15 Jan 2025 13:00:00 GMT ', NOW), HOUR);
  // In the past → retry now.
  assert.equal(parseRetryAfter('Wed, 15 Jan 2025 11:59:00 GMT', NOW), 0);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW), 0);
});

test('parseRetryAfter: garbage and absence → null', () => {
  for (const h of [null, undefined, '', '   ', 'soon', '-3', '+3', '1.5', '1e3', '12abc', '0x10', 'Infinity']) {
    assert.equal(parseRetryAfter(h, NOW), null, JSON.stringify(h));
  }
  // Not IMF-fixdate, or not a real instant.
  for (const h of ['2025-01-15T12:00:30Z', 'Wed, 15 Jan 2025 12:00:30', 'Wed, 15 Jan 2025 12:00:30 UTC', 'Wed, 15 Jan 2025 12:00:30 GMT+1', 'x Wed, 15 Jan 2025 12:00:30 GMT', 'Wed, 31 Feb 2025 12:00:00 GMT', 'Wed, 15 Jan 2025 25:00:00 GMT']) {
    assert.equal(parseRetryAfter(h, NOW), null, h);
  }
});

test('parseRetryAfter: capped at 7 days', () => {
  assert.equal(MAX_RETRY_AFTER_MS, 7 * DAY);
  assert.equal(parseRetryAfter('604800', NOW), 7 * DAY);
  assert.equal(parseRetryAfter('604801', NOW), 7 * DAY);
  assert.equal(parseRetryAfter('99999999999999999999999', NOW), 7 * DAY);
  assert.equal(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', NOW), 7 * DAY);
  assert.equal(parseRetryAfter('604799', NOW), 7 * DAY - 1_000);
});

test('parseRetryAfter: a non-finite now throws', () => {
  assert.throws(() => parseRetryAfter('5', Number.NaN), RangeError);
});
