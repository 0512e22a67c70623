// Pure helpers of the webhooks pages: list filters as API queries, the schema textarea, time ranges, attempt
// grouping, recovery progress (unit-tested in test/unit/console-webhooks.test.ts).
import type { Schemas } from '../../../client';
import { localInputToIso } from '../lib/format';

type Attempt = Schemas['WebhookAttempt'];
type Recovery = Schemas['WebhookRecovery'];

export interface AttemptFilterForm {
  outcome: '' | 'succeeded' | 'failed';
  statusCode: string;
  eventType: string;
  /** datetime-local values in the viewer's zone ('' = open). */
  since: string;
  until: string;
}
export const NO_ATTEMPT_FILTERS: AttemptFilterForm = { outcome: '', statusCode: '', eventType: '', since: '', until: '' };

export interface AttemptQuery {
  outcome?: 'succeeded' | 'failed';
  status_code?: number;
  event_type?: string;
  since?: string;
  until?: string;
}

/** The attempt log's query from its filter form (the status input is a number input: anything else is left out). */
export function attemptQuery(form: AttemptFilterForm, timeZone?: string): AttemptQuery {
  const query: AttemptQuery = {};
  if (form.outcome) query.outcome = form.outcome;
  const code = form.statusCode.trim();
  if (/^\d+$/.test(code)) query.status_code = Number(code);
  if (form.eventType.trim() !== '') query.event_type = form.eventType.trim();
  const since = form.since ? localInputToIso(form.since, timeZone) : null;
  const until = form.until ? localInputToIso(form.until, timeZone) : null;
  if (since) query.since = since;
  if (until) query.until = until;
  return query;
}

export type SchemaText = { ok: true; schema: Record<string, unknown> } | { ok: false; message: string };

/** The schema textarea: empty is `{}` (any payload); otherwise a JSON object, or a message saying what is wrong. */
export function parseSchemaText(text: string): SchemaText {
  if (text.trim() === '') return { ok: true, schema: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'not a JSON object' };
  return { ok: true, schema: value as Record<string, unknown> };
}

/** A JSON value for reading: two-space indented. */
export const prettyJson = (value: unknown): string => JSON.stringify(value, null, 2) ?? String(value);

export const RANGES = ['hour', 'day', 'week', 'month', 'all'] as const;
export type Range = (typeof RANGES)[number];
const RANGE_MS: Record<Exclude<Range, 'all'>, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 };

/** The start of a range ending now, as an ISO instant rounded down to the minute (stable query keys); undefined for all. */
export function rangeSince(range: Range, now: Date = new Date()): string | undefined {
  if (range === 'all') return undefined;
  const from = now.getTime() - RANGE_MS[range];
  return new Date(from - (from % 60_000)).toISOString();
}

/** Attempts by delivery, each newest first (the API's order), in the order their deliveries first appear. */
export function attemptsByDelivery(attempts: Attempt[]): Map<number, Attempt[]> {
  const groups = new Map<number, Attempt[]>();
  for (const a of attempts) groups.set(a.delivery_id, [...(groups.get(a.delivery_id) ?? []), a]);
  return groups;
}

/** The first `max` characters of a body on one line, for a table cell. */
export function bodyPreview(body: string | null, max = 60): string {
  if (body === null) return '';
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Whether a recovery is still going (poll it) and how far it got: restarted once done, left while it runs. */
export function recoveryProgress(r: Recovery): { running: boolean; done: boolean; restarted: number | null; left: number | null } {
  const running = r.status === 'running' || r.status === 'continued_as_new';
  return { running, done: r.status === 'completed', restarted: r.restarted, left: r.failed_remaining };
}
