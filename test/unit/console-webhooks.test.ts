import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Schemas } from '../../client';
import {
  createBody,
  errorsUnder,
  eventTypeFilters,
  formFromEndpoint,
  headersRecord,
  numberInput,
  offeredFilters,
  updateBody,
} from '../../console/src/webhooks/endpoint-form';
import { attemptQuery, attemptsByDelivery, bodyPreview, NO_ATTEMPT_FILTERS, parseSchemaText, rangeSince, recoveryProgress } from '../../console/src/webhooks/webhook-views';

const endpoint = (over: Partial<Schemas['WebhookEndpoint']> = {}): Schemas['WebhookEndpoint'] => ({
  id: 7,
  url: 'https://example.com/hook',
  description: 'orders',
  event_types: ['mailing.*', 'order.created'],
  header_names: ['x-tenant', 'authorization'],
  headers: { 'x-tenant': 'acme', authorization: null },
  timeout_ms: 15_000,
  rate_limit_per_s: null,
  ordering: 'none',
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  health: { failing_since: null, failure_count: 0, last_success_at: null, last_failure_at: null, breaker: { state: 'closed', consecutive_failures: 0, next_probe_at: null } },
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z',
  ...over,
});

const attempt = (id: number, delivery: number): Schemas['WebhookAttempt'] => ({
  id,
  delivery_id: delivery,
  event_id: 1,
  event_type: 'order.created',
  endpoint_id: 1,
  attempt: 1,
  trigger: 'scheduled',
  started_at: '2026-12-01T10:00:00.000Z',
  duration_ms: 12,
  outcome: 'succeeded',
  status_code: 200,
  error: null,
  response_body: 'ok',
  workflow_id: 'webhook-dispatcher-0-of-2',
  run_id: 'run-1',
});

describe('console webhooks: the endpoint form', () => {
  test('the catalogue offers its types and the prefixes two or more of them share, prefixes first', () => {
    const offered = offeredFilters(['mailing.started', 'mailing.completed', 'webhook.test', 'integration.sync.failed', 'integration.sync.succeeded']);
    assert.deepEqual(offered, [
      'integration.*',
      'integration.sync.*',
      'integration.sync.failed',
      'integration.sync.succeeded',
      'mailing.*',
      'mailing.completed',
      'mailing.started',
      'webhook.test',
    ]);
    assert.deepEqual(offeredFilters([]), []);
  });

  test('an endpoint fills the form: offered filters ticked, the rest typed; header values for operators', () => {
    const form = formFromEndpoint(endpoint({ event_types: ['mailing.*', 'invoice.*', 'order.created'] }), ['mailing.*', 'order.created']);
    assert.deepEqual(form.filters, ['mailing.*', 'order.created']);
    assert.equal(form.otherFilters, 'invoice.*');
    assert.deepEqual(form.headers, [
      { name: 'x-tenant', value: 'acme' },
      { name: 'authorization', value: '' },
    ]);
    assert.equal(form.timeoutMs, '15000');
    assert.equal(form.rateLimit, '');
    const viewer = formFromEndpoint(endpoint({ headers: undefined }), []);
    assert.deepEqual(viewer.headers.map((h) => h.value), ['', '']);
    assert.equal(formFromEndpoint(undefined, []).url, '');
  });

  test('filters: ticked then typed, split on commas, spaces and lines, without repeats', () => {
    assert.deepEqual(eventTypeFilters({ filters: ['mailing.*'], otherFilters: ' order.created,invoice.*\nmailing.*  ' }), ['mailing.*', 'order.created', 'invoice.*']);
    assert.deepEqual(eventTypeFilters({ filters: [], otherFilters: ' , ' }), []);
  });

  test('headers: names trimmed, blank rows dropped, a value without a name kept for the API to name', () => {
    assert.deepEqual(headersRecord([{ name: ' x-a ', value: '1' }, { name: '', value: '' }, { name: '', value: 'orphan' }]), { 'x-a': '1', '': 'orphan' });
  });

  test('numbers: empty is null, digits a number, garbage NaN', () => {
    assert.equal(numberInput(''), null);
    assert.equal(numberInput(' 250 '), 250);
    assert.ok(Number.isNaN(numberInput('abc')));
  });

  test('create sends every field, the API defaults where the form is empty, and a secret only when given', () => {
    const form = { ...formFromEndpoint(undefined, []), url: ' https://example.com/x ', timeoutMs: '', rateLimit: '5', otherFilters: 'order.*' };
    assert.deepEqual(createBody(form), {
      url: 'https://example.com/x',
      description: '',
      event_types: ['order.*'],
      headers: {},
      timeout_ms: 15_000,
      rate_limit_per_s: 5,
      ordering: 'none',
      enabled: true,
    });
    assert.equal(createBody({ ...form, secret: ' whsec_abc ' }).secret, 'whsec_abc');
    assert.equal(createBody({ ...form, ordering: 'fifo' }).ordering, 'fifo');
  });

  test('update sends only what changed; headers whole when they changed, never for a viewer', () => {
    const e = endpoint();
    const offered = ['mailing.*', 'order.created'];
    const same = formFromEndpoint(e, offered);
    assert.equal(updateBody(same, e), null, 'an unreadable header left empty is no change');
    assert.deepEqual(updateBody({ ...same, headers: [{ name: 'x-tenant', value: 'acme' }, { name: 'authorization', value: 'Bearer 1' }] }, e), {
      headers: { 'x-tenant': 'acme', authorization: 'Bearer 1' },
    });
    assert.deepEqual(updateBody({ ...same, headers: [{ name: 'x-tenant', value: 'beta' }, { name: 'authorization', value: '' }] }, e), {
      headers: { 'x-tenant': 'beta' },
    });
    assert.deepEqual(updateBody({ ...same, rateLimit: '10', filters: ['order.created'] }, e), { event_types: ['order.created'], rate_limit_per_s: 10 });
    assert.deepEqual(updateBody({ ...same, ordering: 'fifo' }, e), { ordering: 'fifo' });
    assert.deepEqual(updateBody({ ...same, url: 'https://example.com/other', timeoutMs: '' }, e), { url: 'https://example.com/other' });
    const viewerEndpoint = endpoint({ headers: undefined });
    assert.equal(updateBody(formFromEndpoint(viewerEndpoint, offered), viewerEndpoint), null);
    const readable = endpoint({ headers: { 'x-tenant': 'acme', authorization: 'Bearer 0' } });
    assert.equal(updateBody(formFromEndpoint(readable, offered), readable), null, 'nothing changed');
  });

  test('errors under a prefix, keyed by the rest of their path', () => {
    const found = errorsUnder(
      [
        { path: 'body.headers.x-tenant', message: 'bad value' },
        { path: 'body.headers', message: 'at most 20 headers' },
        { path: 'body.headers_extra', message: 'not mine' },
        { path: 'body.event_types.1', message: 'must be an event type' },
      ],
      'headers',
    );
    assert.deepEqual([...found], [
      ['x-tenant', ['bad value']],
      ['', ['at most 20 headers']],
    ]);
    assert.deepEqual([...errorsUnder([{ path: 'body.event_types.1', message: 'm' }], 'event_types')], [['1', ['m']]]);
  });
});

describe('console webhooks: views', () => {
  test('the attempt filters become the API query; datetime-local read in the given zone', () => {
    assert.deepEqual(attemptQuery(NO_ATTEMPT_FILTERS), {});
    assert.deepEqual(
      attemptQuery({ outcome: 'failed', statusCode: ' 503 ', eventType: 'order.created', since: '2026-12-03T10:00', until: '' }, 'Europe/Moscow'),
      { outcome: 'failed', status_code: 503, event_type: 'order.created', since: '2026-12-03T07:00:00.000Z' },
    );
    assert.deepEqual(attemptQuery({ ...NO_ATTEMPT_FILTERS, statusCode: '5xx' }), {});
  });

  test('the schema textarea: empty is {}, an object passes, anything else says why', () => {
    assert.deepEqual(parseSchemaText('  '), { ok: true, schema: {} });
    assert.deepEqual(parseSchemaText('{"type":"object"}'), { ok: true, schema: { type: 'object' } });
    const broken = parseSchemaText('{"type":');
    assert.equal(broken.ok, false);
    assert.deepEqual(parseSchemaText('[1]'), { ok: false, message: 'not a JSON object' });
  });

  test('ranges end now, start on a whole minute; all has no start', () => {
    const now = new Date('2026-12-03T10:30:45.123Z');
    assert.equal(rangeSince('hour', now), '2026-12-03T09:30:00.000Z');
    assert.equal(rangeSince('week', now), '2026-11-26T10:30:00.000Z');
    assert.equal(rangeSince('all', now), undefined);
  });

  test('attempts grouped by delivery keep the API order', () => {
    const groups = attemptsByDelivery([attempt(5, 2), attempt(4, 1), attempt(3, 2)]);
    assert.deepEqual([...groups.keys()], [2, 1]);
    assert.deepEqual(groups.get(2)?.map((a) => a.id), [5, 3]);
  });

  test('a body preview is one line, cut with an ellipsis', () => {
    assert.equal(bodyPreview('{\n  "ok": true\n}'), '{ "ok": true }');
    assert.equal(bodyPreview('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
    assert.equal(bodyPreview(null), '');
  });

  test('recovery progress: running (poll) until completed', () => {
    const base = { workflow_id: 'webhook-recover-1', since: null, until: null, started_at: '2026-12-01T10:00:00Z', closed_at: null, restarted: null, failed_remaining: 3 };
    assert.deepEqual(recoveryProgress({ ...base, status: 'running' }), { running: true, done: false, restarted: null, left: 3 });
    assert.deepEqual(recoveryProgress({ ...base, status: 'completed', restarted: 3, failed_remaining: 0 }), { running: false, done: true, restarted: 3, left: 0 });
    assert.equal(recoveryProgress({ ...base, status: 'failed' }).running, false);
  });
});
