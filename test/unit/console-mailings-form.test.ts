import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBody, draftFromMailing, editableFields, newDraft, patchBody, readRate, textStats, type SavedMailing } from '../../console/src/mailings/mailing-form';

const saved: SavedMailing = {
  text: 'Hello',
  starts_at: '2026-12-03T11:00:00.000Z',
  ends_at: '2026-12-04T11:00:00.000Z',
  filter: { operator_codes: ['916'], tags: ['vip'] },
  send_window: { from: '09:00', to: '21:00' },
  send_rate_per_s: null,
  status: 'scheduled',
};

describe('mailing form', () => {
  test('a new draft starts now (to the minute, in the viewer’s zone) and ends a day later', () => {
    const draft = newDraft(new Date('2026-12-03T11:05:42Z'), 'Europe/Moscow');
    assert.equal(draft.startsLocal, '2026-12-03T14:05');
    assert.equal(draft.endsLocal, '2026-12-04T14:05');
    assert.equal(draft.windowEnabled, false);
    assert.equal(draft.rate, '');
  });

  test('the create body reads the dates in the viewer’s zone as UTC instants', () => {
    const draft = { ...newDraft(new Date('2026-12-03T11:05:00Z'), 'Europe/Moscow'), text: 'Hi', windowEnabled: true, windowFrom: '22:00', windowTo: '06:00' };
    const result = createBody({ ...draft, filter: { operator_codes: ['916', '903'], tags: [] } }, 'Europe/Moscow');
    assert.ok('body' in result);
    assert.deepEqual(result.body, {
      text: 'Hi',
      starts_at: '2026-12-03T11:05:00.000Z',
      ends_at: '2026-12-04T11:05:00.000Z',
      filter: { operator_codes: ['903', '916'], tags: [] },
      send_window: { from: '22:00', to: '06:00' },
      send_rate_per_s: null, // an empty rate: no cap of its own
    });
  });

  test('the rate cap: empty is null, a whole number 1..100000 is sent, anything else is named by its field path', () => {
    const draft = { ...newDraft(new Date('2026-12-03T11:05:00Z'), 'UTC'), text: 'Hi' };
    const rateOf = (rate: string, rateUnreadable = false) => {
      const result = createBody({ ...draft, rate, rateUnreadable }, 'UTC');
      return 'body' in result ? result.body.send_rate_per_s : result.errors;
    };
    assert.equal(rateOf(''), null);
    assert.equal(rateOf('   '), null);
    assert.equal(rateOf('1'), 1);
    assert.equal(rateOf(' 250 '), 250);
    assert.equal(rateOf('100000'), 100_000);
    const invalid = [{ path: 'body.send_rate_per_s', message: 'rate' }];
    for (const bad of ['0', '100001', '-5', '2.5', 'abc', '1e3', '99999999999999999999']) assert.deepEqual(rateOf(bad), invalid, bad);
    // The number input holds text the browser cannot read (its value is then ""): not silently "no cap".
    assert.deepEqual(rateOf('', true), invalid);
    // Reported with the other local errors.
    assert.deepEqual(createBody({ ...draft, endsLocal: '', rate: '0' }, 'UTC'), {
      errors: [
        { path: 'body.ends_at', message: 'required' },
        { path: 'body.send_rate_per_s', message: 'rate' },
      ],
    });
    assert.deepEqual(readRate('42'), { rate: 42 });
  });

  test('an empty date or a half window is named by the API’s field path before anything is sent', () => {
    const draft = { ...newDraft(new Date(), 'UTC'), startsLocal: '', windowEnabled: true, windowFrom: '09:00', windowTo: '' };
    assert.deepEqual(createBody(draft, 'UTC'), {
      errors: [
        { path: 'body.starts_at', message: 'required' },
        { path: 'body.send_window.to', message: 'to' },
      ],
    });
    assert.deepEqual(createBody({ ...draft, startsLocal: '2026-12-03T10:00', windowTo: '09:00' }, 'UTC'), { errors: [{ path: 'body.send_window.to', message: 'same' }] });
  });

  test('what a mailing still lets change, by status', () => {
    assert.deepEqual([...editableFields('draft')].sort(), ['ends_at', 'filter', 'send_rate_per_s', 'send_window', 'starts_at', 'text']);
    assert.deepEqual([...editableFields('scheduled')].sort(), ['ends_at', 'filter', 'send_rate_per_s', 'send_window', 'starts_at', 'text']);
    assert.deepEqual([...editableFields('running')].sort(), ['ends_at', 'send_rate_per_s', 'send_window', 'text']);
    assert.deepEqual([...editableFields('paused')].sort(), ['ends_at', 'send_rate_per_s', 'send_window', 'text']);
    assert.equal(editableFields('completed').size, 0);
    assert.equal(editableFields('cancelled').size, 0);
  });

  test('the PATCH body holds only what changed and may change', () => {
    const draft = draftFromMailing(saved, 'Asia/Tokyo');
    assert.equal(draft.startsLocal, '2026-12-03T20:00');
    assert.deepEqual(patchBody(draft, saved, 'Asia/Tokyo'), { body: {} });
    const changed = { ...draft, text: 'Hello again', endsLocal: '2026-12-05T20:00', filter: { operator_codes: ['916'], tags: ['vip', 'new'] }, windowEnabled: false };
    assert.deepEqual(patchBody(changed, saved, 'Asia/Tokyo'), {
      body: { text: 'Hello again', ends_at: '2026-12-05T11:00:00.000Z', filter: { operator_codes: ['916'], tags: ['new', 'vip'] }, send_window: null },
    });
    // Once running, the filter and the start are not sent even if the inputs changed.
    const running = { ...saved, status: 'running' };
    assert.deepEqual(patchBody({ ...changed, startsLocal: '2026-12-03T21:00' }, running, 'Asia/Tokyo'), {
      body: { text: 'Hello again', ends_at: '2026-12-05T11:00:00.000Z', send_window: null },
    });
  });

  test('the PATCH body holds the rate cap only when it changed, in every status before the mailing finishes', () => {
    const capped = { ...saved, send_rate_per_s: 50 };
    const draft = draftFromMailing(capped, 'UTC');
    assert.equal(draft.rate, '50');
    assert.equal(draftFromMailing(saved, 'UTC').rate, '');
    // Unchanged (also when retyped with spaces): nothing to send.
    assert.deepEqual(patchBody(draft, capped, 'UTC'), { body: {} });
    assert.deepEqual(patchBody({ ...draft, rate: ' 50 ' }, capped, 'UTC'), { body: {} });
    assert.deepEqual(patchBody(draftFromMailing(saved, 'UTC'), saved, 'UTC'), { body: {} });
    // Set, changed, cleared (null: no cap of its own), also while running or paused.
    for (const status of ['draft', 'scheduled', 'running', 'paused']) {
      assert.deepEqual(patchBody({ ...draftFromMailing(saved, 'UTC'), rate: '10' }, { ...saved, status }, 'UTC'), { body: { send_rate_per_s: 10 } }, status);
      assert.deepEqual(patchBody({ ...draft, rate: '75' }, { ...capped, status }, 'UTC'), { body: { send_rate_per_s: 75 } }, status);
      assert.deepEqual(patchBody({ ...draft, rate: '' }, { ...capped, status }, 'UTC'), { body: { send_rate_per_s: null } }, status);
    }
    // Invalid: named by its field path, nothing sent.
    for (const bad of ['0', '100001', '3.5', 'x']) {
      assert.deepEqual(patchBody({ ...draft, rate: bad }, { ...capped, status: 'running' }, 'UTC'), { errors: [{ path: 'body.send_rate_per_s', message: 'rate' }] }, bad);
    }
    assert.deepEqual(patchBody({ ...draft, rate: '', rateUnreadable: true }, capped, 'UTC'), { errors: [{ path: 'body.send_rate_per_s', message: 'rate' }] });
    // Finished: not editable, so neither sent nor checked.
    for (const status of ['completed', 'cancelled']) assert.deepEqual(patchBody({ ...draft, rate: 'x' }, { ...capped, status }, 'UTC'), { body: {} }, status);
  });

  test('text length as the API counts it, and SMS parts in GSM-7 or UCS-2', () => {
    assert.deepEqual(textStats(''), { length: 0, remaining: 1600, encoding: 'gsm7', parts: 0 });
    assert.deepEqual(textStats('a'.repeat(160)), { length: 160, remaining: 1440, encoding: 'gsm7', parts: 1 });
    assert.equal(textStats('a'.repeat(161)).parts, 2);
    assert.equal(textStats('{'.repeat(80)).parts, 1); // extension characters take two septets
    assert.equal(textStats('{'.repeat(81)).parts, 2);
    assert.deepEqual(textStats('Привет'), { length: 6, remaining: 1594, encoding: 'ucs2', parts: 1 });
    assert.equal(textStats('я'.repeat(71)).parts, 2);
    assert.equal(textStats('😀').length, 2);
  });
});
