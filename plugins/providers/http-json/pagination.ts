// Which request fetches the page at a position, and where the page after it starts, for each pagination style.
import { UpstreamError } from '../../../lib/integrations/errors';
import { nextLink, type HttpResponse } from '../../../lib/integrations/http-client';
import type { HttpJsonConfig } from './config';
import type { Position, RunState } from './cursor';
import { describeJson, valueAt } from './json-path';
import { formatTimestamp } from './timestamps';

export interface PageRequest {
  url: string;
  query: Record<string, string>;
}

/** The request for the page at `state.at` (the since parameter included when the run has one). */
export function pageRequest(config: HttpJsonConfig, state: Pick<RunState, 'since' | 'at'>): PageRequest {
  const p = config.pagination;
  const at = state.at;
  // A next link carries every parameter of the first request: it is followed as given.
  if (p.type === 'link' && at !== null && 'url' in at) return { url: at.url, query: {} };
  const query: Record<string, string> = { ...config.query };
  if (config.since && state.since !== null) query[config.since.param] = formatTimestamp(state.since, config.since.format);
  if (p.type === 'page') {
    query[p.page_param] = String(at !== null && 'page' in at ? at.page : p.start_page);
    query[p.size_param] = String(p.page_size);
  } else if (p.type === 'offset') {
    query[p.offset_param] = String(at !== null && 'offset' in at ? at.offset : 0);
    query[p.limit_param] = String(p.page_size);
  } else if (p.type === 'cursor') {
    if (at !== null && 'cursor' in at) query[p.cursor_param] = at.cursor;
    if (p.size_param !== undefined && p.page_size !== undefined) query[p.size_param] = String(p.page_size);
  }
  return { url: config.url, query };
}

/** The smallest first page that shows the answer's shape (check()): size 1 where the API takes a size, no since. */
export function probeRequest(config: HttpJsonConfig): PageRequest {
  const request = pageRequest(config, { since: null, at: null });
  const p = config.pagination;
  const sizeParam = p.type === 'page' ? p.size_param : p.type === 'offset' ? p.limit_param : p.type === 'cursor' ? p.size_param : undefined;
  if (sizeParam !== undefined && sizeParam in request.query) request.query[sizeParam] = '1';
  return request;
}

/** Where the page after this one starts, or null when this was the last. Throws when the upstream would loop. */
export function nextPosition(config: HttpJsonConfig, at: Position | null, response: HttpResponse, itemCount: number): Position | null {
  const p = config.pagination;
  if (itemCount === 0) return null;
  switch (p.type) {
    case 'none':
      return null;
    case 'page': {
      if (p.stop_on_short_page && itemCount < p.page_size) return null;
      return { page: (at !== null && 'page' in at ? at.page : p.start_page) + 1 };
    }
    case 'offset': {
      if (p.stop_on_short_page && itemCount < p.page_size) return null;
      return { offset: (at !== null && 'offset' in at ? at.offset : 0) + itemCount };
    }
    case 'cursor': {
      const value = valueAt(response.body, p.next_cursor_path);
      if (value === undefined || value === null || value === '') return null;
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new UpstreamError(`next_cursor_path '${p.next_cursor_path}' leads to ${describeJson(value)}, not a string or number`, response.status, false);
      }
      const cursor = String(value);
      if (at !== null && 'cursor' in at && at.cursor === cursor) {
        throw new UpstreamError(`${config.url} answered the same next cursor it was given (${cursor.slice(0, 80)}): the run would never end`, response.status, false);
      }
      return { cursor };
    }
    case 'link': {
      const link = nextLink(response.headers.link);
      if (link === null) return null;
      const url = new URL(link, response.url);
      if (url.origin !== new URL(config.url).origin) {
        throw new UpstreamError(`the next link points at another origin (${url.origin}); credentials are only sent to ${new URL(config.url).origin}`, response.status, false);
      }
      if (url.toString() === response.url) throw new UpstreamError(`the next link of ${response.url} is the page itself: the run would never end`, response.status, false);
      return { url: url.toString() };
    }
  }
}
