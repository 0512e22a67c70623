// The sync cursor of http-json, saved by Relay after each page. JSON, readable in run records:
//   mid-run  {"since": <ISO|null>, "max": <ISO|null>, "started": <ISO>, "at": {"page": 3} | {"offset": 200} | {"cursor": "..."} | {"url": "..."}, "pages": 2, "last": "<page fingerprint>"}
//   final    {"since": <ISO>}  (incremental: where the next run starts)  or  null  (no since: next run starts over)
// `since` is what this run asks for, `max` the newest change seen so far in it, `started` when the run's first page
// was answered (the upstream's Date header), `pages` how many pages it has taken, `last` which items the last page had.
import { z } from 'zod';
import { readJsonCursor } from '../../../lib/integrations/json-cursor';
import type { HttpJsonConfig } from './config';
import { isoOf, parseTimestamp } from './timestamps';

export type Position = { page: number } | { offset: number } | { cursor: string } | { url: string };

export interface RunState {
  /** Epoch ms sent as the since parameter during this run; null: everything. */
  since: number | null;
  /** Epoch ms of the newest change seen in this run so far. */
  max: number | null;
  /** Where the next page starts; null: the first page. */
  at: Position | null;
  /** Pages taken in this run (for max_pages_per_run). */
  pages: number;
  /** Epoch ms when the run's first page was answered: changes after it may have been missed on pages read earlier. */
  started?: number | null;
  /** Fingerprint (count, first and last id) of the last page: the same page twice means the paging is ignored. */
  last?: string | null;
}

const instant = z.iso.datetime({ offset: true });
const positionSchema = z.union([
  z.object({ page: z.number().int().min(0) }).strict(),
  z.object({ offset: z.number().int().min(0) }).strict(),
  z.object({ cursor: z.string().min(1) }).strict(),
  z.object({ url: z.url() }).strict(),
]);
const cursorSchema = z
  .object({
    since: instant.nullable().optional(),
    max: instant.nullable().optional(),
    at: positionSchema.optional(),
    pages: z.number().int().min(0).optional(),
    started: instant.nullable().optional(),
    last: z.string().max(2_100).nullable().optional(),
  })
  .strict();

const KIND_OF_PAGINATION = { none: null, page: 'page', offset: 'offset', cursor: 'cursor', link: 'url' } as const;

/** True when `at` is a position the configured pagination can start from (a changed config restarts the run). */
function fits(at: Position, config: HttpJsonConfig): boolean {
  const kind = KIND_OF_PAGINATION[config.pagination.type];
  if (kind === null || !(kind in at)) return false;
  return !('url' in at) || new URL(at.url).origin === new URL(config.url).origin;
}

export interface ReadCursor {
  state: RunState;
  /** Set when the saved position no longer fits the config and the run starts again from its first page. */
  restarted: string | null;
}

/** The run state a saved cursor stands for (null: the first run). Throws ProviderConfigError for a cursor it cannot read. */
export function readCursor(raw: string | null, config: HttpJsonConfig): ReadCursor {
  const initial = config.since?.initial === undefined ? null : parseTimestamp(config.since.initial, config.since.format);
  if (raw === null) return { state: { since: initial, max: null, at: null, pages: 0 }, restarted: null };
  const saved = readJsonCursor(raw, cursorSchema, 'http-json');
  const since = config.since ? (saved.since ? Date.parse(saved.since) : initial) : null;
  const max = config.since && saved.max ? Date.parse(saved.max) : null;
  if (saved.at && !fits(saved.at, config)) {
    return { state: { since, max, at: null, pages: 0 }, restarted: `the saved position ${JSON.stringify(saved.at)} does not fit the ${config.pagination.type} pagination now configured` };
  }
  const started = saved.started ? Date.parse(saved.started) : null;
  return { state: { since, max, at: saved.at ?? null, pages: saved.pages ?? 0, started, last: saved.last ?? null }, restarted: null };
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : isoOf(ms));

/** The cursor of a page with more after it (or of a run stopped by max_pages_per_run). */
export function midRunCursor(state: RunState): string {
  return JSON.stringify({
    since: isoOrNull(state.since),
    max: isoOrNull(state.max),
    at: state.at,
    pages: state.pages,
    ...(state.started != null ? { started: isoOf(state.started) } : {}),
    ...(state.last != null ? { last: state.last } : {}),
  });
}

/**
 * The cursor of a run's last page: where the next incremental run starts. The newest change seen, but never later than
 * the run's start (a record changed while the run read other pages may sit on a page already read, or carry a clock
 * ahead of ours: the next run reads again from there; re-reads are unchanged upserts), and never earlier than this
 * run's since.
 */
export function finalCursor(state: RunState, config: HttpJsonConfig): string | null {
  if (!config.since) return null;
  const seen = state.max === null || state.started == null ? state.max : Math.min(state.max, state.started);
  const next = seen === null ? state.since : state.since === null ? seen : Math.max(seen, state.since);
  return next === null ? null : JSON.stringify({ since: isoOf(next) });
}
