import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMailingTestActivities } from '../../activities/mailing-test.activities';
import { MailingNotFoundError } from '../../activities/errors';
import { createSmsProvider } from '../../activities/sms-provider';
import { startFakeProvider, type FakeProvider } from '../../fake-provider/fake-provider';
import { createLogger } from '../../lib/logger';
import type { MailingTestInput, MailingTestResult } from '../../workflows/mailing-test.contract';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createMailingRow } from '../support/fixtures';

// The test-send activity against PostgreSQL and the fake provider: a retried activity never sends a phone twice.

let tdb: TestDatabase;
let provider: FakeProvider;
before(async () => {
  [tdb, provider] = await Promise.all([createTestDatabase(), startFakeProvider({ token: 'activity-test-token' })]);
});
after(async () => {
  await provider?.close();
  await tdb?.drop();
});

/** One run of the activity as a worker would run it (a fresh activity context each time: a retry). */
function sendMailingTest(input: MailingTestInput): Promise<MailingTestResult> {
  const sms = createSmsProvider({ baseUrl: provider.url, token: 'activity-test-token', timeoutMs: 2_000 });
  const activities = createMailingTestActivities({ db: tdb.db, provider: sms, logger: createLogger('silent') });
  return new MockActivityEnvironment().run(activities.sendMailingTest, input);
}

test('a retry sends only what was never handed over, and reports a phone handed over without an answer as unknown', async () => {
  provider.reset();
  const mailing = await createMailingRow(tdb.db, { text: 'Retry me', startsAt: new Date(), endsAt: new Date(Date.now() + 3_600_000) });
  const testId = randomUUID();
  const phones = ['79990000011', '79990000012', '79990000013'];
  // A first attempt that died: one phone answered, one handed to the provider (no answer recorded), one not yet sent.
  const [answered, handed] = await tdb.db
    .insertInto('mailing_test_sends')
    .values([
      { test_id: testId, mailing_id: mailing.id, phone: phones[0], status: 'sent' },
      { test_id: testId, mailing_id: mailing.id, phone: phones[1], status: 'sending' },
    ])
    .returningAll()
    .execute();

  const input = { testId, mailingId: mailing.id, phones, activityTimeoutMs: 10_000 };
  const result = await sendMailingTest(input);
  assert.deepEqual(result.results.map((r) => [r.phone, r.outcome]), [
    [phones[0], 'sent'],
    [phones[1], 'unknown'],
    [phones[2], 'sent'],
  ]);
  assert.equal(result.results[0].providerMessageId, answered.id);
  assert.equal(result.results[1].providerMessageId, handed.id);
  assert.match(result.results[1].error ?? '', /may have been sent/);
  assert.deepEqual(provider.deliveries().map((d) => String(d.phone)), [phones[2]]);

  // A third call (another retry) sends nothing more and answers the same.
  const again = await sendMailingTest(input);
  assert.deepEqual(again.results, result.results);
  assert.equal(provider.stats().requests, 1);
});

test('a mailing that is gone is a MailingNotFoundError (not retried) and sends nothing', async () => {
  provider.reset();
  await assert.rejects(
    sendMailingTest({ testId: randomUUID(), mailingId: 987654321, phones: ['79990000021'], activityTimeoutMs: 10_000 }),
    (err: unknown) => err instanceof MailingNotFoundError,
  );
  assert.equal(provider.stats().requests, 0);
});
