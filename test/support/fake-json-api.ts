// A local JSON list API for provider tests (unit and end-to-end): the same items served in every pagination style,
// "changed since" filtering, an optional auth check, scripted failures, latency and a request log.
//   GET /all     the whole list as a bare array
//   GET /page    ?page=1&per_page=10           -> {data, meta: {page, per_page, total}}
//   GET /offset  ?offset=0&limit=10            -> {data, meta: {offset, limit, total}}
//   GET /cursor  ?cursor=<opaque>&limit=10     -> {data, meta: {next_cursor: string | null}}
//   GET /link    ?page=1&per_page=10           -> bare array, Link: <...page=2...>; rel="next", <...>; rel="last"
// Every path takes ?since= (ISO 8601, unix seconds or unix ms): only items with updated_at strictly after it.
// Items are ordered by (updated_at, id), so an item changed during a sync moves to the end.
import { startFakeServer, type FakeAnswer, type FakeServer, type RecordedRequest as FakeRequest } from './fake-upstream';

export type { FakeAnswer, FakeRequest };

export interface FakeItem {
  id: number;
  name: string;
  /** ISO 8601, or unix seconds with `timestamps: 'unix'`. */
  updated_at: string | number;
}

export interface FakeJsonApiOptions {
  /** Items 1..n named item-<id>, each changed one clock tick after the previous. Default 0. */
  items?: number;
  /** When set, requests without exactly this header value answer 401. */
  auth?: { header: string; value: string };
  /** The clock's first instant (default 2024-01-01T00:00:00Z); each change advances it by tickMs (default 1 s). */
  start?: Date;
  tickMs?: number;
  /** How updated_at is written: ISO 8601 (default) or unix seconds. */
  timestamps?: 'iso' | 'unix';
  /** Page size when the request names none (default 10); larger requests are capped at maxPageSize (default 100). */
  defaultPageSize?: number;
  maxPageSize?: number;
  /** Query parameter of the since filter (default 'since'). */
  sinceParam?: string;
}

/** The recording, scriptable server (requests, failNext, setLatency, close) serving the list. */
export interface FakeJsonApi extends FakeServer {
  /** The items in served order. */
  items(): FakeItem[];
  /** Creates or changes an item: its updated_at becomes the next clock tick. */
  upsert(item: { id: number; name?: string }): FakeItem;
}

/** Epoch ms of a since value: digits are unix seconds (or ms from 12 digits on), otherwise an ISO date. */
function sinceMs(text: string): number | null {
  if (/^\d+$/.test(text)) return text.length >= 12 ? Number(text) : Number(text) * 1000;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

export async function startFakeJsonApi(options: FakeJsonApiOptions = {}): Promise<FakeJsonApi> {
  const tickMs = options.tickMs ?? 1000;
  const defaultSize = options.defaultPageSize ?? 10;
  const maxSize = options.maxPageSize ?? 100;
  const sinceParam = options.sinceParam ?? 'since';
  let clock = (options.start ?? new Date('2024-01-01T00:00:00Z')).getTime();
  const store = new Map<number, { id: number; name: string; updatedMs: number }>();

  const stamp = (ms: number): string | number => (options.timestamps === 'unix' ? Math.floor(ms / 1000) : new Date(ms).toISOString());
  const ordered = () => [...store.values()].sort((a, b) => a.updatedMs - b.updatedMs || a.id - b.id);
  const shown = (entry: { id: number; name: string; updatedMs: number }): FakeItem => ({ id: entry.id, name: entry.name, updated_at: stamp(entry.updatedMs) });
  const upsert = (item: { id: number; name?: string }): FakeItem => {
    clock += tickMs;
    const entry = { id: item.id, name: item.name ?? store.get(item.id)?.name ?? `item-${item.id}`, updatedMs: clock };
    store.set(item.id, entry);
    return shown(entry);
  };
  for (let id = 1; id <= (options.items ?? 0); id++) upsert({ id });

  /** The body, headers and status for a list request. */
  function list(path: string, url: URL): FakeAnswer {
    const q = url.searchParams;
    const sinceText = q.get(sinceParam);
    const since = sinceText === null ? null : sinceMs(sinceText);
    if (sinceText !== null && since === null) return { status: 400, body: { error: `${sinceParam} is not a time` } };
    const all = ordered().filter((e) => since === null || e.updatedMs > since);
    const size = (name: string): number => Math.min(maxSize, Math.max(1, Number(q.get(name) ?? defaultSize) || defaultSize));
    if (path === '/all') return { status: 200, body: all.map(shown) };
    if (path === '/page' || path === '/link') {
      const perPage = size('per_page');
      const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
      const data = all.slice((page - 1) * perPage, page * perPage).map(shown);
      if (path === '/page') return { status: 200, body: { data, meta: { page, per_page: perPage, total: all.length } } };
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const at = (n: number) => {
        const next = new URL(url);
        next.searchParams.set('page', String(n));
        next.searchParams.set('per_page', String(perPage));
        return `<${next.toString()}>`;
      };
      const links = [...(page > 1 ? [`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`] : []), ...(page < last ? [`${at(page + 1)}; rel="next"`] : []), `${at(last)}; rel="last"`];
      return { status: 200, headers: { link: links.join(', ') }, body: data };
    }
    if (path === '/offset') {
      const limit = size('limit');
      const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
      return { status: 200, body: { data: all.slice(offset, offset + limit).map(shown), meta: { offset, limit, total: all.length } } };
    }
    if (path === '/cursor') {
      // Keyset pagination: the cursor is the (updated_at, id) of the last item served, so it survives changes.
      const limit = size('limit');
      const raw = q.get('cursor');
      let rest = all;
      if (raw !== null) {
        const key = /^(\d+):(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
        if (!key) return { status: 400, body: { error: 'bad cursor' } };
        const [ms, id] = [Number(key[1]), Number(key[2])];
        rest = all.filter((e) => e.updatedMs > ms || (e.updatedMs === ms && e.id > id));
      }
      const page = rest.slice(0, limit);
      const lastOne = page.at(-1);
      const nextCursor = rest.length > limit && lastOne ? Buffer.from(`${lastOne.updatedMs}:${lastOne.id}`).toString('base64url') : null;
      return { status: 200, body: { data: page.map(shown), meta: { next_cursor: nextCursor } } };
    }
    return { status: 404, body: { error: `no route ${path}` } };
  }

  const server = await startFakeServer((req, baseUrl) => {
    const url = new URL(req.path, baseUrl);
    for (const [key, value] of Object.entries(req.query)) url.searchParams.set(key, value);
    if (options.auth && req.headers[options.auth.header.toLowerCase()] !== options.auth.value) return { status: 401, body: { error: 'unauthorized' } };
    return req.method === 'GET' ? list(url.pathname, url) : { status: 405, body: { error: 'GET only' } };
  });
  return { ...server, items: () => ordered().map(shown), upsert };
}
