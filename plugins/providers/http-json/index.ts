// http-json: a generic provider for any JSON list API, configured (URL, where the items and their ids are, how pages
// and "changed since" work) instead of coded. Cursor format: ./cursor.ts; pagination styles: ./pagination.ts.
import { ProviderConfigError, UpstreamError } from '../../../lib/integrations/errors';
import { defineProvider, type SyncContext, type SyncPage } from '../../../lib/integrations/plugin';
import { configSchema, sinceField, type HttpJsonConfig } from './config';
import { finalCursor, midRunCursor, readCursor, type RunState } from './cursor';
import { describeJson, isJsonObject, valueAt, whyNotArray, type JsonObject } from './json-path';
import { nextPosition, pageRequest, probeRequest, type PageRequest } from './pagination';
import { parseTimestamp } from './timestamps';

const MAX_ID_LENGTH = 1000;

/** A record's externalId: the string or number at id_field. Throws a ProviderConfigError naming the path otherwise. */
function externalIdOf(record: JsonObject, idField: string, where = 'a record'): string {
  const value = valueAt(record, idField);
  // Larger numbers lost digits in JSON.parse: two records could share one id.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH) return value;
  const found = value === undefined ? 'it has no such field' : `found ${describeJson(value)}${typeof value === 'string' ? ` of length ${value.length}` : ''}`;
  throw new ProviderConfigError(`${where} has no usable id at id_field '${idField}' (a non-empty string or a number): ${found}`);
}

/** The items of one answer, each a JSON object with an id; anything else fails the page (not retried). */
function recordsOf(body: unknown, config: HttpJsonConfig, request: PageRequest): JsonObject[] {
  const why = whyNotArray(body, config.items_path);
  if (why !== null) throw new ProviderConfigError(`items_path '${config.items_path}' does not lead to the list of items in the answer of ${request.url}: ${why}`);
  const items = valueAt(body, config.items_path);
  const records = Array.isArray(items) ? items : [];
  return records.map((item: unknown, i) => {
    if (!isJsonObject(item)) throw new ProviderConfigError(`item ${i} at items_path '${config.items_path}' is ${describeJson(item)}, not a JSON object`);
    externalIdOf(item, config.id_field, `item ${i} at items_path '${config.items_path}'`);
    return item;
  });
}

/** Config headers (lower-cased) under the credential's: a credential always decides authentication. */
const requestHeaders = (ctx: SyncContext<HttpJsonConfig>): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(ctx.config.headers).map(([name, value]) => [name.toLowerCase(), value])),
  ...ctx.authHeaders,
});

/** The newest change among `records` and `max` (epoch ms), by the since field. */
function newest(records: readonly JsonObject[], config: HttpJsonConfig, max: number | null): number | null {
  const field = sinceField(config);
  if (field === null || !config.since) return max;
  let result = max;
  for (const record of records) {
    const ms = parseTimestamp(valueAt(record, field), config.since.format);
    if (ms !== null && (result === null || ms > result)) result = ms;
  }
  return result;
}

/** Statuses that mean "no such page" when a numbered or offset page past the first is asked for (DRF answers 404). */
const PAST_THE_END = new Set([400, 404, 416, 422]);

/** Which items a page held, to tell a next page that is the same page again. */
const fingerprint = (records: readonly JsonObject[], config: HttpJsonConfig): string | null =>
  records.length === 0 ? null : `${records.length}:${externalIdOf(records[0], config.id_field).slice(0, 500)}:${externalIdOf(records[records.length - 1], config.id_field).slice(0, 500)}`;

/** The answer for the page at `state`, or null when a numbered/offset page past the first says there is no such page. */
async function answerFor(ctx: SyncContext<HttpJsonConfig>, state: RunState, request: PageRequest) {
  try {
    return await ctx.http.getJson(request.url, { headers: requestHeaders(ctx), query: request.query });
  } catch (err) {
    const numbered = ctx.config.pagination.type === 'page' || ctx.config.pagination.type === 'offset';
    if (numbered && state.at !== null && err instanceof UpstreamError && !err.retryable && err.status !== null && PAST_THE_END.has(err.status)) return null;
    throw err;
  }
}

async function* fetchPages(ctx: SyncContext<HttpJsonConfig>, cursor: string | null): AsyncGenerator<SyncPage<JsonObject>> {
  const { config } = ctx;
  const read = readCursor(cursor, config);
  if (read.restarted !== null) ctx.logger.warn({ provider: 'http-json' }, `${read.restarted}: this run starts again from its first page`);
  let state: RunState = read.state;
  for (;;) {
    const request = pageRequest(config, state);
    const response = await answerFor(ctx, state, request);
    if (response === null) {
      // Past the end (the previous page was full): the list is over.
      yield { records: [], nextCursor: finalCursor(state, config), hasMore: false };
      return;
    }
    // The run's start by the upstream's clock (its Date header), else ours: the next run's since is never later.
    const started = state.started ?? (Date.parse(response.headers.date ?? '') || Date.now());
    const records = recordsOf(response.body, config, request);
    const last = fingerprint(records, config);
    if (last !== null && last === state.last) {
      const p = config.pagination;
      const param = p.type === 'page' ? p.page_param : p.type === 'offset' ? p.offset_param : 'the paging parameter';
      throw new ProviderConfigError(`the upstream answered the same page twice: it seems to ignore '${param}'`);
    }
    const max = newest(records, config, state.max);
    const at = nextPosition(config, state.at, response, records.length);
    const pages = state.pages + 1;
    if (at === null) {
      yield { records, nextCursor: finalCursor({ ...state, max, started }, config), hasMore: false };
      return;
    }
    if (config.max_pages_per_run !== undefined && pages >= config.max_pages_per_run) {
      // The cap ends this run; the next run goes on from here (its page count starts again).
      ctx.logger.info({ provider: 'http-json', pages }, 'max_pages_per_run reached: the next run continues from this page');
      yield { records, nextCursor: midRunCursor({ since: state.since, max, at, pages: 0, started, last }), hasMore: false };
      return;
    }
    state = { since: state.since, max, at, pages, started, last };
    yield { records, nextCursor: midRunCursor(state), hasMore: true };
  }
}

export const httpJson = defineProvider({
  id: 'http-json',
  name: 'Generic JSON API',
  category: 'generic',
  description:
    'Any HTTP API that lists JSON items: set the URL, where the items and their ids are in the answer, how it pages (page numbers, offsets, cursors, Link headers) and, for incremental syncs, its "changed since" parameter.',
  credentialTypes: ['bearer-token', 'api-key', 'basic-auth'],
  credentialRequired: false,
  configSchema,
  async check(ctx) {
    const request = probeRequest(ctx.config);
    const response = await ctx.http.getJson(request.url, { headers: requestHeaders(ctx), query: request.query });
    recordsOf(response.body, ctx.config, request);
  },
  fetch: fetchPages,
  normalize(raw: unknown, config) {
    if (!isJsonObject(raw)) throw new ProviderConfigError(`an http-json record must be a JSON object; found ${describeJson(raw)}`);
    const modified = config.modified_field === undefined ? null : parseTimestamp(valueAt(raw, config.modified_field), config.since?.format ?? 'iso');
    return { externalId: externalIdOf(raw, config.id_field), data: raw, modifiedAt: modified === null ? null : new Date(modified) };
  },
});
