import type { Provider, SyncContext, SyncPage } from './plugin';
import { UpstreamError } from './errors';

/**
 * The first page a provider yields from `cursor`: a sync stores it and saves its cursor before asking for the next, so
 * a crash or retry starts again from the last saved cursor with a fresh generator (providers must resume from any
 * cursor they produced). A generator that yields nothing means nothing new: the cursor stays.
 */
export async function fetchOnePage<C>(provider: Provider, ctx: SyncContext<C>, cursor: string | null): Promise<SyncPage> {
  const iterator = provider.fetch(ctx, cursor)[Symbol.asyncIterator]();
  try {
    const first = await iterator.next();
    if (first.done) return { records: [], nextCursor: cursor, hasMore: false };
    const page = first.value;
    if (!Array.isArray(page.records) || typeof page.hasMore !== 'boolean' || (page.nextCursor !== null && typeof page.nextCursor !== 'string')) {
      throw new UpstreamError(`provider '${provider.id}' yielded a malformed page`, null, false);
    }
    if (page.hasMore && page.nextCursor === null) throw new UpstreamError(`provider '${provider.id}' said there is more but gave no cursor`, null, false);
    return page;
  } finally {
    await iterator.return?.();
  }
}
