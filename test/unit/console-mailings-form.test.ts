import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBody, draftFromMailing, editableFields, newDraft, patchBody, textStats, type SavedMailing } from '../../console/src/mailings/mailing-form';

const saved: SavedMailing = {
  text: 'Hello',
  starts_at: '2026-12-03T11:00:00.000Z',
  ends_at: '2026-12-04T11:00:00.000Z',
  filter: { operator_codes: ['916'], tags: ['vip'] },
  send_window: { from: '09:00', to: '21:00' },
  status: 'scheduled',
};

describe('mailing form', () => {
  test('a new draft starts now (to the minute, in the viewer’s zone) and ends a day later', () => {
    const draft = newDraft(new Date('2026-12-03T11:05:42Z'), 'Europe/Moscow');
    assert.equal(draft.startsLocal, '2026-12-03T14:05');
    assert.equal(draft.endsLocal, '2026-12-04T14:05');
    assert.equal(draft.windowEnabled, false);
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
    });
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
    assert.deepEqual([...editableFields('scheduled')].sort(), ['ends_at', 'filter', 'send_window', 'starts_at', 'text']);
    assert.deepEqual([...editableFields('running')].sort(), ['ends_at', 'send_window', 'text']);
    assert.deepEqual([...editableFields('paused')].sort(), ['ends_at', 'send_window', 'text']);
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
