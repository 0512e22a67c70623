// The github-issues sync cursor, saved by Relay after each page. JSON, readable in run records:
//   mid-run  {"since": <ISO|null>, "page": 2, "max": <ISO|null>}   the next request: ?since=<since>&page=<page>
//   final    {"since": <ISO>}   where the next run starts (the newest updated_at seen)   or null (nothing seen yet)
// `max` is the newest updated_at seen so far in the run. Timestamps are kept as GitHub wrote them and sent back as is.
import { z } from 'zod';
import { readJsonCursor } from '../../../lib/integrations/json-cursor';

export interface RunState {
  /** The `since` parameter of the next request (null: everything). */
  since: string | null;
  /** The page of that request (1 unless a whole page shared one updated_at). */
  page: number;
  /** The newest updated_at seen in this run so far. */
  max: string | null;
}

const instant = z.iso.datetime({ offset: true });
const cursorSchema = z
  .object({ since: instant.nullable(), page: z.number().int().min(1).optional(), max: instant.nullable().optional() })
  .strict();

/** The run state a saved cursor stands for (null: the first run). Throws ProviderConfigError for a cursor it cannot read. */
export function readCursor(raw: string | null): RunState {
  if (raw === null) return { since: null, page: 1, max: null };
  const saved = readJsonCursor(raw, cursorSchema, 'github-issues');
  return { since: saved.since, page: saved.page ?? 1, max: saved.max ?? null };
}

/** The later of two GitHub timestamps (null counts as earliest). */
export function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/**
 * Where the page after this one starts. Keyset, not GitHub's page numbers: the list is sorted by updated_at, so an
 * issue changed during the run moves to the end, and following `page=N+1` would then skip the issue that slid into
 * page N. Asking `since=<newest updated_at on this page>` (inclusive) cannot skip anything; it re-reads the issues
 * that share that second, and when a whole page shares it, the next page of that same `since` is taken instead.
 */
export function nextState(state: RunState, newestOnPage: string | null): RunState {
  const max = later(state.max, newestOnPage);
  if (newestOnPage !== null && (state.since === null || Date.parse(newestOnPage) > Date.parse(state.since))) {
    return { since: newestOnPage, page: 1, max };
  }
  return { since: state.since, page: state.page + 1, max };
}

export const midRunCursor = (state: RunState): string => JSON.stringify({ since: state.since, page: state.page, max: state.max });

/** The cursor of a run's last page: the next run asks for everything updated since the newest change seen. */
export function finalCursor(state: RunState): string | null {
  const since = later(state.since, state.max);
  return since === null ? null : JSON.stringify({ since });
}
