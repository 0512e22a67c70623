import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderHealth } from '../../lib/mailings/provider-health';
import { breakerOptions } from '../../activities/send-messages';
import { runSlotPool } from '../../lib/run-pool';

const options = breakerOptions(50); // window 100, ratio 0.5, 20 samples, streak 20

/** A seeded stream of outcomes: `errorShare` of them failures, spread evenly (every k-th), never in long runs. */
function feed(h: ProviderHealth, n: number, errorShare: number, batchSize = 500): string | null {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += errorShare;
    if (acc >= 1) {
      acc -= 1;
      h.failed(i % 3 === 0);
      const trip = h.tripReason(batchSize);
      if (trip) return trip;
    } else h.answered(20);
  }
  return null;
}

describe('provider health (the mailing outage breaker)', () => {
  test('a partly failing provider (15% failures, timeouts among them) is never called down', () => {
    const h = new ProviderHealth(options);
    assert.equal(feed(h, 10_000, 0.15), null);
    const state = h.state();
    assert.ok(Math.abs(state.failures / state.samples - 0.15) < 0.05, `window ratio ${state.failures / state.samples}`);
  });

  test('a provider failing half its requests or more is called down once the window has seen enough', () => {
    const h = new ProviderHealth(options);
    assert.match(feed(h, 1_000, 0.6) ?? '', /of recent requests failed/);
  });

  test('a provider that just died trips on its streak, whatever the history', () => {
    const h = new ProviderHealth(options);
    feed(h, 1_000, 0);
    let trip: string | null = null;
    for (let i = 0; i < options.streak && !trip; i++) {
      h.failed(true);
      trip = h.tripReason(500);
    }
    assert.match(trip ?? '', /in a row/);
  });

  test('with no history, a small batch failing whole with outage answers trips; with history, one timeout does not', () => {
    const fresh = new ProviderHealth(options);
    fresh.failed(true);
    assert.match(fresh.tripReason(1) ?? '', /every request of the batch failed/);
    const notOutage = new ProviderHealth(options);
    notOutage.failed(false); // a 500: the message may be at fault
    assert.equal(notOutage.tripReason(1), null);

    const seasoned = new ProviderHealth(options);
    feed(seasoned, 200, 0.15);
    const carried = new ProviderHealth(options, seasoned.state());
    carried.failed(true);
    assert.equal(carried.tripReason(1), null, 'the last few messages are judged with the history of the rest');
  });

  test('the carried window is bounded and sane whatever it is handed', () => {
    const h = new ProviderHealth(options, { samples: 1e12, failures: Number.NaN });
    assert.deepEqual(h.state(), { samples: options.window, failures: 0 });
    const g = new ProviderHealth(options, { samples: 10, failures: 50 });
    assert.equal(g.state().failures, 10);
  });

  test('a request is slow after 5x the p90 of healthy answers (at least 100 ms, at most the timeout)', () => {
    const h = new ProviderHealth(options);
    assert.equal(h.slowAfterMs(5_000), 5_000, 'the timeout until enough answers were seen');
    for (let i = 0; i < 100; i++) h.answered(i < 90 ? 10 : 100);
    assert.equal(h.slowAfterMs(5_000), 100);
    for (let i = 0; i < 256; i++) h.answered(200);
    assert.equal(h.slowAfterMs(5_000), 1_000);
    assert.equal(h.slowAfterMs(800), 800);
  });
});

describe('runSlotPool', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('calls past their slow mark give their slot back and still finish; at most maxReleased of them', async () => {
    const hang = new Set([0, 1, 2, 3]);
    const finished: number[] = [];
    let inSlots = 0;
    let peakInSlots = 0;
    let running = 0;
    let peakRunning = 0;
    const { released } = await runSlotPool(
      Array.from({ length: 40 }, (_, i) => i),
      { concurrency: 2, maxReleased: 3, releaseAfterMs: () => 30 },
      async (i) => {
        running++;
        peakRunning = Math.max(peakRunning, running);
        inSlots++;
        peakInSlots = Math.max(peakInSlots, inSlots);
        await sleep(hang.has(i) ? 400 : 1);
        inSlots--;
        running--;
        finished.push(i);
      },
    );
    assert.equal(finished.length, 40, 'every call finished, the released ones too');
    assert.equal(released, 3, 'three hanging calls released; the fourth kept its slot (maxReleased)');
    assert.ok(peakRunning <= 2 + 3, `at most concurrency + maxReleased running (${peakRunning})`);
    // The 36 quick calls did not wait for the hanging ones: they finished before the last hanging call.
    assert.ok(finished.indexOf(39) < finished.indexOf(3) || finished.indexOf(39) < finished.indexOf(0));
  });

  test('an error in a released call is thrown once everything has finished', async () => {
    let done = 0;
    await assert.rejects(
      runSlotPool([0, 1, 2], { concurrency: 1, maxReleased: 5, releaseAfterMs: () => 5 }, async (i) => {
        await sleep(i === 0 ? 50 : 1);
        done++;
        if (i === 0) throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(done, 3);
  });
});
