import type { Server } from 'node:http';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import { findMailing, isMailingFinished } from '../../lib/db/mailing.repository';
import { assertRole, type Principal } from '../auth';
import { HttpError, NotFoundError, ValidationError } from '../errors';
import { findBadInput } from '../input-guard';
import { ProblemSchema, z } from '../openapi';
import { zodIssues } from '../route';
import { IdParams } from '../schemas/common.schemas';
import { readProgress, type ProgressSource } from './mailing-progress';

export interface EventStreamOptions {
  /** How often a watched mailing's progress is read: once per mailing, however many streams watch it. */
  pollMs: number;
  /** An SSE comment (`: keepalive`) after this much silence, so proxies keep the connection. */
  heartbeatMs: number;
  /** A stream ends after this long (event `end`, reason `reconnect`); EventSource reconnects after `retryMs`. */
  maxLifetimeMs: number;
  /** Streams open at once in this process; one more is a 503 with Retry-After. */
  maxStreams: number;
  /** The reconnection delay sent to EventSource (`retry:`). */
  retryMs: number;
}

export const EVENT_STREAM_DEFAULTS: EventStreamOptions = { pollMs: 1_000, heartbeatMs: 15_000, maxLifetimeMs: 300_000, maxStreams: 200, retryMs: 2_000 };

type Progress = Awaited<ReturnType<typeof readProgress>>;
type Snapshot = { kind: 'progress'; progress: Progress; finished: boolean } | { kind: 'deleted' } | { kind: 'unavailable' };
type Listener = (snapshot: Snapshot) => void;
interface Watch {
  listeners: Set<Listener>;
  timer?: NodeJS.Timeout;
}

/** Reads a mailing's progress every pollMs while anyone watches it, and hands each reading to every watcher. */
class ProgressHub {
  private readonly watches = new Map<number, Watch>();

  constructor(
    private readonly source: ProgressSource,
    private readonly pollMs: number,
  ) {}

  subscribe(mailingId: number, listener: Listener): () => void {
    let watch = this.watches.get(mailingId);
    if (!watch) {
      watch = { listeners: new Set() };
      this.watches.set(mailingId, watch);
      this.schedule(mailingId, watch);
    }
    watch.listeners.add(listener);
    const w = watch;
    return () => {
      w.listeners.delete(listener);
      if (w.listeners.size > 0 || this.watches.get(mailingId) !== w) return;
      clearTimeout(w.timer);
      this.watches.delete(mailingId);
    };
  }

  private schedule(mailingId: number, watch: Watch): void {
    watch.timer = setTimeout(() => void this.poll(mailingId, watch), this.pollMs);
  }

  private async poll(mailingId: number, watch: Watch): Promise<void> {
    let snapshot: Snapshot;
    try {
      const mailing = await findMailing(this.source.db, mailingId);
      snapshot = mailing
        ? { kind: 'progress', progress: await readProgress(this.source, mailing), finished: isMailingFinished(mailing) }
        : { kind: 'deleted' };
    } catch {
      snapshot = { kind: 'unavailable' }; // the database is away: the streams end and their clients reconnect
    }
    if (this.watches.get(mailingId) !== watch) return; // everyone left meanwhile
    for (const listener of [...watch.listeners]) listener(snapshot);
    if (watch.listeners.size > 0) this.schedule(mailingId, watch);
  }
}

/** Whether the client named text/event-stream in Accept (EventSource always does; `*\/*` is not enough). */
const asksForStream = (req: Request): boolean => /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(req.header('accept') ?? '');

/** Whether the HTTP server this request came through still listens (false once its close() began). */
const serverListening = (req: Request): boolean => (req.socket as { server?: Server }).server?.listening !== false;

const PROBLEM = { 'application/problem+json': { schema: ProblemSchema } };

/**
 * GET /mailings/{id}/events: the mailing's progress (the same object as GET /mailings/{id}/progress) as Server-Sent
 * Events. Registered by hand because it answers a stream, not JSON; the path parameter is validated exactly as
 * defineRoute does it (the same zod schema, NUL guard and field names).
 */
export function mailingEventRoutes(source: ProgressSource, registry: OpenAPIRegistry, options: Partial<EventStreamOptions> = {}): Router {
  const o: EventStreamOptions = { ...EVENT_STREAM_DEFAULTS, ...options };
  const router = Router();
  const hub = new ProgressHub(source, o.pollMs);
  let open = 0;

  registry.registerPath({
    method: 'get',
    path: '/api/v1/mailings/{id}/events',
    tags: ['Mailings'],
    summary: 'Live progress as Server-Sent Events (text/event-stream)',
    description: [
      'Event `progress` carries the object GET /mailings/{id}/progress answers: first at once, then whenever it changes',
      `(read every ${o.pollMs / 1000} s, once per mailing however many streams watch it). When the mailing finishes, its final`,
      'progress, then event `end` with data `{"reason":"finished"}`, and the stream ends: call close(), or EventSource',
      'reconnects and gets the same again. Other `end` reasons: `deleted`, `reconnect` (the stream lived',
      `${o.maxLifetimeMs / 1000} s), \`shutdown\` (the API is stopping), \`unavailable\` (the database is away), \`snapshot\` (see below):`,
      `reconnect for those (EventSource does so by itself after the \`retry\` of ${o.retryMs} ms). A comment line \`: keepalive\``,
      `comes after ${o.heartbeatMs / 1000} s of silence. It streams only to clients that name text/event-stream in Accept, as`,
      'EventSource does; any other client gets the current progress and `end` with reason `snapshot` at once. At most',
      `${o.maxStreams} streams are open per API process; beyond that a 503 with Retry-After (poll /progress meanwhile).`,
      'EventSource cannot send an Authorization header: browsers use the console session cookie.',
    ].join(' '),
    request: { params: IdParams },
    responses: {
      200: {
        description: 'The event stream',
        content: { 'text/event-stream': { schema: z.string().openapi({ description: 'event: progress / data: <MailingProgress JSON>, ..., event: end / data: {"reason": ...}' }) } },
      },
      400: { description: 'Invalid input (problem+json naming each field)', content: PROBLEM },
      401: { description: 'Missing or unknown API key', content: PROBLEM },
      403: { description: 'The key lacks the needed role', content: PROBLEM },
      404: { description: 'Not found', content: PROBLEM },
      429: { description: 'Too many requests (Retry-After and RateLimit headers say when to come back)', content: PROBLEM },
      503: { description: 'Too many streams are open (Retry-After), or a dependency is unavailable', content: PROBLEM },
    },
  });

  async function stream(req: Request, res: Response): Promise<void> {
    assertRole(res.locals.principal as Principal | undefined, 'viewer');
    const bad = findBadInput(req.params, 'params');
    if (bad) throw new ValidationError([bad]);
    const parsed = IdParams.safeParse(req.params);
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, 'params'));
    const id = parsed.data.id;
    if (open >= o.maxStreams) {
      throw new HttpError(503, 'Service unavailable', `${o.maxStreams} progress streams are open; retry shortly, or poll GET /mailings/${id}/progress.`, undefined, {
        headers: { 'Retry-After': String(Math.ceil(o.retryMs / 1000) + 3) },
      });
    }
    open++;
    let released = false;
    const release = () => {
      if (!released) (released = true), open--;
    };
    res.once('close', release);
    try {
      const mailing = await findMailing(source.db, id);
      if (!mailing) throw new NotFoundError(`mailing ${id}`);
      const first = await readProgress(source, mailing);
      follow(req, res, id, first, isMailingFinished(mailing), release);
    } catch (err) {
      release();
      throw err;
    }
  }

  function follow(req: Request, res: Response, mailingId: number, first: Progress, finished: boolean, release: () => void): void {
    // Connection: close, so a stream ended at shutdown does not leave an idle keep-alive connection holding the close.
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', Connection: 'close' });
    res.flushHeaders();
    let last = JSON.stringify(first);
    let lastWrite = Date.now();
    res.write(`retry: ${o.retryMs}\nevent: progress\ndata: ${last}\n\n`);

    let ended = false;
    let unsubscribe = () => {};
    let lifetime: NodeJS.Timeout | undefined;
    let ticker: NodeJS.Timeout | undefined;
    const cleanup = () => {
      ended = true;
      unsubscribe();
      clearTimeout(lifetime);
      clearInterval(ticker);
      release();
    };
    const end = (reason: string) => {
      if (ended) return;
      cleanup();
      res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    };
    res.once('close', cleanup); // the client went away (or the answer ended)

    if (req.method === 'HEAD') return void res.end();
    if (finished) return end('finished');
    if (!asksForStream(req)) return end('snapshot');

    lifetime = setTimeout(() => end('reconnect'), o.maxLifetimeMs);
    // Its own clock, so neither a heartbeat nor noticing a shutdown waits for a slow progress read.
    ticker = setInterval(() => {
      if (!serverListening(req)) return end('shutdown');
      if (Date.now() - lastWrite >= o.heartbeatMs) {
        res.write(': keepalive\n\n');
        lastWrite = Date.now();
      }
    }, Math.min(o.pollMs, o.heartbeatMs, 1_000));
    unsubscribe = hub.subscribe(mailingId, (snapshot) => {
      if (snapshot.kind !== 'progress') return end(snapshot.kind);
      const text = JSON.stringify(snapshot.progress);
      if (text !== last || snapshot.finished) {
        res.write(`event: progress\ndata: ${text}\n\n`);
        last = text;
        lastWrite = Date.now();
      }
      if (snapshot.finished) end('finished');
    });
  }

  router.get('/mailings/:id/events', (req, res, next) => {
    stream(req, res).catch(next);
  });
  return router;
}
