// sympla-events: the events of a Sympla account from the public API v3 (GET /public/v3/events), sorted by id so the
// pages stay stable while the run goes through them (new events get higher ids and land on the last page).
// Cursor: mid-run {"page": 3, "page_size": 100} (the page to read next); after the last page null: Sympla has no
// "changed since" filter, so every run reads everything and Relay stores only what changed.
import { z } from 'zod';
import { ProviderConfigError, UpstreamError } from '../../../lib/integrations/errors';
import type { HttpResponse } from '../../../lib/integrations/http-client';
import { readJsonCursor } from '../../../lib/integrations/json-cursor';
import { defineProvider, type SyncContext, type SyncPage } from '../../../lib/integrations/plugin';
import { configSchema, eventsUrl, type SymplaEventsConfig } from './config';
import { eventListSchema, normalizeEvent, type SymplaEvent } from './event';

type Ctx = SyncContext<SymplaEventsConfig>;

const secretSchema = z.object({ key: z.string().min(1) });
const cursorSchema = z.object({ page: z.number().int().min(1), page_size: z.number().int().min(1) }).strict();

/**
 * Sympla reads the token from a header named `s_token`: it is sent from the api-key credential's secret key, whatever
 * header name and prefix the credential has (the credential's own headers are not sent).
 */
function tokenHeader(ctx: Ctx): Record<string, string> {
  const secret = secretSchema.safeParse(ctx.credential?.secret);
  if (ctx.credential?.type !== 'api-key' || !secret.success) throw new ProviderConfigError('Sympla needs an api-key credential whose key is the Sympla token');
  return { s_token: secret.data.key };
}

async function listEvents(ctx: Ctx, page: number, pageSize: number) {
  const { config } = ctx;
  const response: HttpResponse = await ctx.http.getJson(eventsUrl(config), {
    headers: tokenHeader(ctx),
    query: { page, page_size: pageSize, field_sort: 'id', sort: 'ASC', published: config.published_only, from: config.from },
  });
  const parsed = eventListSchema.safeParse(response.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UpstreamError(`${response.url} did not answer a list of events: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unexpected shape'}`, response.status, false);
}

/** The page to start from. A cursor saved with another page size no longer points at the same events: start over. */
function startPage(ctx: Ctx, cursor: string | null): number {
  if (cursor === null) return 1;
  const saved = readJsonCursor(cursor, cursorSchema, 'sympla-events');
  if (saved.page_size === ctx.config.page_size) return saved.page;
  ctx.logger.warn({ provider: 'sympla-events', cursor: saved }, 'page_size changed during a run: this run starts again from page 1');
  return 1;
}

async function* fetchPages(ctx: Ctx, cursor: string | null): AsyncGenerator<SyncPage<SymplaEvent>> {
  const pageSize = ctx.config.page_size;
  for (let page = startPage(ctx, cursor); ; page++) {
    const { data, pagination } = await listEvents(ctx, page, pageSize);
    // An empty page ends the run even if has_next says otherwise: a loop without end is worse than a short run.
    if (!pagination.has_next || data.length === 0) {
      yield { records: data, nextCursor: null, hasMore: false };
      return;
    }
    yield { records: data, nextCursor: JSON.stringify({ page: page + 1, page_size: pageSize }), hasMore: true };
  }
}

export const symplaEvents = defineProvider({
  id: 'sympla-events',
  name: 'Sympla events',
  category: 'events',
  description:
    'The events of a Sympla organizer account (public API v3). Needs an api-key credential holding the Sympla token (Minha Conta → Integrações); it is always sent in the s_token header Sympla requires, whatever header name the credential names. Each run reads every event: Sympla cannot list only changed ones.',
  credentialTypes: ['api-key'],
  credentialRequired: true,
  configSchema,
  async check(ctx) {
    await listEvents(ctx, 1, 1);
  },
  fetch: fetchPages,
  normalize: (raw: SymplaEvent) => normalizeEvent(raw),
});
