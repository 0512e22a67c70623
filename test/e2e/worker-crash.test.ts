import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';
import { workerProcesses } from '../support/worker-process';

let s: Stack;
const workers = workerProcesses(() => s);

before(async () => {
  s = await startStack({ withWorker: false });
});
after(async () => {
  workers.killAll();
  await s?.close();
});


test('killing the worker mid-mailing and starting another sends nobody two SMS, even through a provider that does not dedupe', async () => {
  const clients = await insertClients(s.tdb.db, 150, { operator: '951' });
  s.provider.configure({ latencyMs: 60, dedupe: false });
  const first = workers.spawn();
  const created = await s.http('POST', '/api/v1/mailings', {
    text: 'Survives crashes',
    starts_at: new Date(Date.now() - 1000).toISOString(),
    ends_at: new Date(Date.now() + 600_000).toISOString(),
    filter: { operator_codes: ['951'] },
  });
  assert.equal(created.status, 201);
  await waitFor(() => s.provider.deliveries().length >= 30, 60_000, 'sending under way');
  first.kill('SIGKILL'); // no shutdown, in-flight calls and unsaved results are lost with it
  await new Promise((resolve) => first.once('exit', resolve));
  const atCrash = s.provider.deliveries().length;
  assert.ok(atCrash < 150, `killed mid-way (${atCrash} delivered)`);

  workers.spawn();
  await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${created.body.id}`)).body.status === 'completed', 120_000, 'completed after restart');
  const stats = (await s.http('GET', `/api/v1/mailings/${created.body.id}/stats?limit=500`)).body;
  // Requests in flight at the kill (at most SEND_CONCURRENCY marked ahead, plus the answers not yet written) may have
  // reached the provider: they end unknown instead of being sent again. Everything else is sent exactly once.
  const { unknown, sent } = stats.counts;
  assert.deepEqual(stats.counts, { pending: 0, sent, failed: 0, expired: 0, cancelled: 0, unknown });
  assert.equal(sent + unknown, 150);
  assert.ok(unknown <= 2 * s.config.SEND_CONCURRENCY + 50, `few unknown (${unknown})`);
  const byPhone = s.provider.deliveriesByPhone();
  assert.ok([...byPhone.values()].every((d) => d.length === 1), 'no client received two messages');
  const messages = stats.messages.items as { phone: string; status: string }[];
  const sentPhones = messages.filter((m) => m.status === 'sent').map((m) => m.phone);
  assert.ok(sentPhones.every((phone) => byPhone.has(Number(phone))), 'every sent message reached its client');
  assert.deepEqual(
    messages.filter((m) => !byPhone.has(Number(m.phone))).map((m) => m.status).filter((status) => status !== 'unknown'),
    [],
    'a client not reached is one whose message is unknown',
  );
  assert.ok(clients.length === 150);
});
