// The http-json provider's configuration. A UI renders it from z.toJSONSchema, so: .describe() everywhere, defaults
// instead of transforms, and cross-field rules in superRefine (ignored by the JSON Schema, enforced on parse).
import { z } from 'zod';
import { HEADER_VALUE } from '../../../lib/integrations/plugin';
import { DOT_PATH } from './json-path';
import { parseTimestamp } from './timestamps';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Set by Relay, by the HTTP stack, or secrets that belong in a credential (which also keeps them out of the config). */
export const RESERVED_HEADERS = [
  'host', 'authorization', 'proxy-authorization', 'cookie', 'content-length', 'transfer-encoding', 'connection',
  'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'accept-encoding',
];

const dotPath = (what: string) => z.string().max(300).regex(DOT_PATH, 'must be a dot path like data.items (no spaces, no empty keys)').describe(what);
const fieldPath = (what: string) => z.string().min(1).max(300).regex(DOT_PATH, 'must be a dot path like data.id (no spaces, no empty keys)').describe(what);
const param = (what: string, fallback: string) => z.string().min(1).max(100).default(fallback).describe(what);
const pageSize = (what: string) => z.number().int().min(1).max(10_000).default(100).describe(what);

const none = z.object({ type: z.literal('none') }).strict().describe('One request returns everything.');
const page = z
  .object({
    type: z.literal('page'),
    page_param: param('Query parameter with the page number.', 'page'),
    size_param: param('Query parameter with the page size.', 'per_page'),
    page_size: pageSize('Items per page; a shorter page is the last.'),
    start_page: z.number().int().min(0).max(1_000_000).default(1).describe('Number of the first page (0 or 1 for most APIs).'),
    stop_on_short_page: z
      .boolean()
      .default(true)
      .describe('A page shorter than page_size is the last. Set false for APIs that may send fewer items than asked (a server-side cap): then only an empty page ends the run.'),
  })
  .strict()
  .describe('Numbered pages: ?page=1&per_page=100, then page=2, ... until a page is shorter than page_size.');
const offset = z
  .object({
    type: z.literal('offset'),
    offset_param: param('Query parameter with the number of items to skip.', 'offset'),
    limit_param: param('Query parameter with the page size.', 'limit'),
    page_size: pageSize('Items per request; a shorter page is the last.'),
    stop_on_short_page: z
      .boolean()
      .default(true)
      .describe('A page shorter than page_size is the last. Set false for APIs that may send fewer items than asked (a server-side cap): then only an empty page ends the run.'),
  })
  .strict()
  .describe('Offset and limit: ?offset=0&limit=100, then offset=100, ... until a page is shorter than page_size.');
const cursor = z
  .object({
    type: z.literal('cursor'),
    cursor_param: param('Query parameter that carries the cursor of the next page.', 'cursor'),
    next_cursor_path: fieldPath('Dot path in the answer to the next page\'s cursor (e.g. meta.next_cursor); missing, null or empty ends the run.'),
    size_param: z.string().min(1).max(100).optional().describe('Query parameter with the page size, if the API takes one.'),
    page_size: z.number().int().min(1).max(10_000).optional().describe('Items per page, sent in size_param (both or neither).'),
  })
  .strict()
  .describe('An opaque cursor from each answer is sent back to get the next page.');
const link = z
  .object({ type: z.literal('link') })
  .strict()
  .describe('The next page is the Link header\'s rel="next" URL (RFC 8288, as GitHub); it must stay on the same origin.');

export const paginationSchema = z
  .discriminatedUnion('type', [none, page, offset, cursor, link])
  .default({ type: 'none' })
  .describe('How the API splits the list into pages.');

export const sinceSchema = z
  .object({
    param: z.string().min(1).max(100).describe('Query parameter that asks for items changed since a time (e.g. since, updated_after).'),
    format: z.enum(['iso', 'unix', 'unix_ms']).default('iso').describe('How the time is written in that parameter: ISO 8601, unix seconds or unix milliseconds.'),
    field: fieldPath('Dot path of the record field whose largest value starts the next run; defaults to modified_field.').optional(),
    initial: z.string().min(1).max(40).optional().describe('Time for the very first run, in the same format (omit to fetch everything first).'),
  })
  .strict()
  .describe('Incremental sync: each run asks only for items changed since the newest one the previous run saw.');

export const configSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .max(2048)
      .describe('Address of the list endpoint (http or https); credentials go in the integration\'s credential, not in the URL.'),
    query: z.record(z.string().min(1).max(100), z.string().max(1000)).default({}).describe('Extra query parameters sent with every request.'),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'must be a valid header name'), z.string().max(2000).regex(HEADER_VALUE, 'must be printable characters without line breaks (a header value)'))
      .default({})
      .describe('Extra request headers (not Authorization, Host, Cookie and the like: put secrets in a credential).'),
    items_path: dotPath('Dot path in the answer to the array of items (e.g. data or results.items); empty when the answer is the array.').default(''),
    id_field: fieldPath('Dot path in each item to its unique id (string or number).').default('id'),
    modified_field: fieldPath('Dot path in each item to when it last changed (ISO 8601 or unix time), if there is one.').optional(),
    pagination: paginationSchema,
    since: sinceSchema.optional(),
    max_pages_per_run: z.number().int().min(1).max(1_000_000).optional().describe('Stop a run after this many pages; the next run goes on from there.'),
  })
  .strict()
  // Cross-field rules need well-typed fields: they run once every field is valid on its own (`when`).
  .superRefine((config, ctx) => {
    const url = new URL(config.url);
    if (url.username || url.password) ctx.addIssue({ code: 'custom', path: ['url'], message: 'must not contain a user name or password: use a basic-auth credential' });
    const seen = new Set<string>();
    for (const name of Object.keys(config.headers)) {
      const lower = name.toLowerCase();
      if (RESERVED_HEADERS.includes(lower)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `'${name}' cannot be set here${lower.includes('auth') || lower === 'cookie' ? ': use a credential' : ''}` });
      if (seen.has(lower)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `'${name}' is given twice` });
      seen.add(lower);
    }
    const owned = ownedParams(config);
    for (const key of Object.keys(config.query)) {
      if (owned.includes(key)) ctx.addIssue({ code: 'custom', path: ['query', key], message: `'${key}' is set by the pagination or since settings` });
    }
    const p = config.pagination;
    if (p.type === 'cursor' && (p.size_param === undefined) !== (p.page_size === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['pagination', p.size_param === undefined ? 'size_param' : 'page_size'], message: 'size_param and page_size go together' });
    }
    if (config.since && !config.since.field && !config.modified_field) {
      ctx.addIssue({ code: 'custom', path: ['since', 'field'], message: 'is required when modified_field is not set' });
    }
    if (config.since?.initial !== undefined && parseTimestamp(config.since.initial, config.since.format) === null) {
      ctx.addIssue({ code: 'custom', path: ['since', 'initial'], message: `is not a time in the '${config.since.format}' format` });
    }
  }, { when: (payload) => payload.issues.length === 0 });

export type HttpJsonConfig = z.infer<typeof configSchema>;
export type Pagination = HttpJsonConfig['pagination'];

/** Query parameters the provider sets itself (pagination, since): config.query must not fight them. */
export function ownedParams(config: Pick<HttpJsonConfig, 'pagination' | 'since'>): string[] {
  const p = config.pagination;
  const names =
    p.type === 'page' ? [p.page_param, p.size_param] : p.type === 'offset' ? [p.offset_param, p.limit_param] : p.type === 'cursor' ? [p.cursor_param, p.size_param] : [];
  return [...names, config.since?.param].filter((n): n is string => n !== undefined);
}

/** The record field whose largest value is the next run's since (null without incremental sync). */
export const sinceField = (config: HttpJsonConfig): string | null => (config.since ? (config.since.field ?? config.modified_field ?? null) : null);
