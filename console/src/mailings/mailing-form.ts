// The mailing form's logic without React: the draft the inputs edit (start and end as datetime-local values in the
// viewer's zone), the create body and the PATCH body (only what changed), which fields a mailing still lets change,
// the sending-rate cap, and the text's length in characters and SMS parts. Unit-tested in test/unit/console-mailings-form.test.ts.
import { isoToLocalInput, localInputToIso } from '../lib/format';
import { normalizeFilter, sameFilter, type MailingFilter } from './filter';
import { readSendWindow, type SendWindow, type WindowProblem } from './send-window';

export const MAX_TEXT = 1600;
/** The API's bounds for a mailing's own sending-rate cap (send_rate_per_s, messages per second). */
export const MIN_RATE = 1;
export const MAX_RATE = 100_000;

export interface MailingDraft {
  text: string;
  /** datetime-local values ("2026-12-03T14:05") in the viewer's zone */
  startsLocal: string;
  endsLocal: string;
  filter: MailingFilter;
  windowEnabled: boolean;
  windowFrom: string;
  windowTo: string;
  /** The "max messages per second" input as typed; empty: no cap of its own. */
  rate: string;
  /** The number input holds something the browser cannot read as a number (e.g. "1e"): its value is then "". */
  rateUnreadable: boolean;
}

/** The saved mailing as the form needs it (a subset of the API's Mailing). */
export interface SavedMailing {
  text: string;
  starts_at: string;
  ends_at: string;
  filter: MailingFilter;
  send_window: SendWindow | null;
  send_rate_per_s: number | null;
  status: string;
}

export type EditableField = 'text' | 'starts_at' | 'ends_at' | 'filter' | 'send_window' | 'send_rate_per_s';
const ALL_FIELDS: EditableField[] = ['text', 'starts_at', 'ends_at', 'filter', 'send_window', 'send_rate_per_s'];

/**
 * What a mailing in `status` still lets change (the workflow's edit validator decides; this only disables inputs):
 * everything while a draft or scheduled; once started, the text, the end, the send window and the rate cap (starts_at and
 * the filter chose the messages already; a new rate applies from the next batch); nothing once completed or cancelled.
 */
export function editableFields(status: string): Set<EditableField> {
  if (status === 'draft' || status === 'scheduled') return new Set(ALL_FIELDS);
  if (status === 'running' || status === 'paused') return new Set(['text', 'ends_at', 'send_window', 'send_rate_per_s']);
  return new Set();
}

const MINUTE = 60_000;

/** A new mailing: starts now (to the minute), ends a day later, any client, no window (09:00-21:00 offered when turned on). */
export function newDraft(now: Date, timeZone: string): MailingDraft {
  const start = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
  return {
    text: '',
    startsLocal: isoToLocalInput(start.toISOString(), timeZone),
    endsLocal: isoToLocalInput(new Date(start.getTime() + 24 * 60 * MINUTE).toISOString(), timeZone),
    filter: { operator_codes: [], tags: [] },
    windowEnabled: false,
    windowFrom: '09:00',
    windowTo: '21:00',
    rate: '',
    rateUnreadable: false,
  };
}

export function draftFromMailing(mailing: SavedMailing, timeZone: string): MailingDraft {
  return {
    text: mailing.text,
    startsLocal: isoToLocalInput(mailing.starts_at, timeZone),
    endsLocal: isoToLocalInput(mailing.ends_at, timeZone),
    filter: normalizeFilter(mailing.filter),
    windowEnabled: mailing.send_window !== null,
    windowFrom: mailing.send_window?.from ?? '09:00',
    windowTo: mailing.send_window?.to ?? '21:00',
    rate: mailing.send_rate_per_s === null || mailing.send_rate_per_s === undefined ? '' : String(mailing.send_rate_per_s),
    rateUnreadable: false,
  };
}

/** A problem the form finds before asking the API (an empty date, a half-filled window, a bad rate), by the API's field path. */
export interface LocalError {
  path: string;
  message: 'required' | WindowProblem | 'rate';
}

export interface CreateBody {
  text: string;
  starts_at: string;
  ends_at: string;
  filter: MailingFilter;
  send_window: SendWindow | null;
  send_rate_per_s: number | null;
}

/** The rate input as the API's send_rate_per_s: empty is null (no cap of its own), else a whole number MIN_RATE..MAX_RATE. */
export function readRate(text: string, unreadable = false): { rate: number | null; problem?: 'rate' } {
  const value = text.trim();
  if (unreadable) return { rate: null, problem: 'rate' };
  if (value === '') return { rate: null };
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return n >= MIN_RATE && n <= MAX_RATE ? { rate: n } : { rate: null, problem: 'rate' };
}

function rateError(problem: 'rate' | undefined): LocalError[] {
  return problem ? [{ path: 'body.send_rate_per_s', message: problem }] : [];
}

function readDates(draft: MailingDraft, timeZone: string): { starts_at: string | null; ends_at: string | null; errors: LocalError[] } {
  const starts_at = localInputToIso(draft.startsLocal, timeZone);
  const ends_at = localInputToIso(draft.endsLocal, timeZone);
  const errors: LocalError[] = [];
  if (!starts_at) errors.push({ path: 'body.starts_at', message: 'required' });
  if (!ends_at) errors.push({ path: 'body.ends_at', message: 'required' });
  return { starts_at, ends_at, errors };
}

function windowError(problem: WindowProblem | undefined): LocalError[] {
  if (!problem) return [];
  return [{ path: problem === 'from' ? 'body.send_window.from' : 'body.send_window.to', message: problem }];
}

/**
 * The POST /mailings body, or the errors the form can name itself. Whether ends_at is after starts_at and in the
 * future is left to the API (its answer names body.ends_at), so the rules live in one place.
 */
export function createBody(draft: MailingDraft, timeZone: string): { body: CreateBody } | { errors: LocalError[] } {
  const dates = readDates(draft, timeZone);
  const window = readSendWindow(draft.windowEnabled, draft.windowFrom, draft.windowTo);
  const rate = readRate(draft.rate, draft.rateUnreadable);
  const errors = [...dates.errors, ...windowError(window.problem), ...rateError(rate.problem)];
  if (errors.length > 0 || !dates.starts_at || !dates.ends_at) return { errors };
  return {
    body: { text: draft.text, starts_at: dates.starts_at, ends_at: dates.ends_at, filter: normalizeFilter(draft.filter), send_window: window.window, send_rate_per_s: rate.rate },
  };
}

const sameWindow = (a: SendWindow | null, b: SendWindow | null) => (a === null || b === null ? a === b : a.from === b.from && a.to === b.to);
const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);

/**
 * The PATCH /mailings/{id} body: only the fields that changed and that the mailing still lets change (an empty body
 * means nothing to save). Dates compare as instants, so re-reading "14:05" in the same zone is no change.
 */
export function patchBody(draft: MailingDraft, saved: SavedMailing, timeZone: string): { body: Partial<CreateBody> } | { errors: LocalError[] } {
  const editable = editableFields(saved.status);
  const body: Partial<CreateBody> = {};
  const errors: LocalError[] = [];
  if (editable.has('text') && draft.text !== saved.text) body.text = draft.text;
  const dates = readDates(draft, timeZone);
  if (editable.has('starts_at')) {
    if (!dates.starts_at) errors.push({ path: 'body.starts_at', message: 'required' });
    else if (!sameInstant(dates.starts_at, saved.starts_at)) body.starts_at = dates.starts_at;
  }
  if (editable.has('ends_at')) {
    if (!dates.ends_at) errors.push({ path: 'body.ends_at', message: 'required' });
    else if (!sameInstant(dates.ends_at, saved.ends_at)) body.ends_at = dates.ends_at;
  }
  if (editable.has('filter') && !sameFilter(draft.filter, saved.filter)) body.filter = normalizeFilter(draft.filter);
  if (editable.has('send_window')) {
    const window = readSendWindow(draft.windowEnabled, draft.windowFrom, draft.windowTo);
    errors.push(...windowError(window.problem));
    if (!window.problem && !sameWindow(window.window, saved.send_window)) body.send_window = window.window;
  }
  if (editable.has('send_rate_per_s')) {
    const rate = readRate(draft.rate, draft.rateUnreadable);
    errors.push(...rateError(rate.problem));
    if (!rate.problem && rate.rate !== (saved.send_rate_per_s ?? null)) body.send_rate_per_s = rate.rate;
  }
  return errors.length > 0 ? { errors } : { body };
}

// GSM 03.38: the basic set costs one septet, the extension set two (escape + char); anything else needs UCS-2.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

export interface TextStats {
  /** Characters as the API counts them (UTF-16 code units; its limit is MAX_TEXT). */
  length: number;
  remaining: number;
  encoding: 'gsm7' | 'ucs2';
  /** SMS parts the text takes: 160 / 153 per part in GSM-7, 70 / 67 in UCS-2 (Cyrillic, emoji). */
  parts: number;
}

export function textStats(text: string): TextStats {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  const units = gsm ? septets : text.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const parts = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
  return { length: text.length, remaining: MAX_TEXT - text.length, encoding: gsm ? 'gsm7' : 'ucs2', parts };
}
