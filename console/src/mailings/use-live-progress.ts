import type { paths } from '@client';
import { useQuery, useQueryClient, type Query, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, key, unwrap, type Schemas } from '../api';
import { isFinished } from './progress';

type Progress = Schemas['MailingProgress'];

/** The event stream's path, checked against the API's document (EventSource is not openapi-fetch, but the path is). */
const EVENTS_PATH = '/api/v1/mailings/{id}/events' satisfies keyof paths;
const POLL_MS = 1_500;

export const progressKey = (id: number) => key('/api/v1/mailings/{id}/progress', { id });
export const mailingKey = (id: number) => key('/api/v1/mailings/{id}', { id });

type Predicate = (query: Query) => boolean;

/**
 * Reads the matching queries again, also those whose first read is still in flight: an invalidation alone would
 * join such a read (React Query reuses the running fetch of a query without data) and keep its older answer.
 */
async function refresh(queryClient: QueryClient, predicate: Predicate): Promise<void> {
  await queryClient.cancelQueries({ predicate, fetchStatus: 'fetching' });
  await queryClient.invalidateQueries({ predicate });
}

const path = (query: Query) => String(query.queryKey[0]);

/** Everything under /api/v1/mailings and /api/v1/stats: lists, a mailing, its messages and timeline, the overview. */
export const invalidateMailings = (queryClient: QueryClient) => refresh(queryClient, (q) => /^\/api\/v1\/(mailings|stats)/.test(path(q)));

/** How the page learns of progress: the event stream, polling (the stream failed or is refused), or not at all (finished). */
export type LiveMode = 'stream' | 'polling' | 'idle';

/**
 * A mailing's progress that updates itself: the API's server-sent events (`progress`, then `end`) while the mailing
 * runs, else polling GET /progress every 1.5 s; nothing once it is finished. Each change of the counts or phase
 * also refreshes the mailing, its messages and its timeline (at most every 2 s).
 */
export function useLiveProgress(id: number, status: string | undefined) {
  const queryClient = useQueryClient();
  const finished = status === undefined || isFinished(status);
  const [mode, setMode] = useState<LiveMode>(finished ? 'idle' : 'stream');
  const [streamFailed, setStreamFailed] = useState(false);

  useEffect(() => {
    if (finished) {
      setMode('idle');
      return;
    }
    if (streamFailed || typeof EventSource === 'undefined') {
      setMode('polling');
      return;
    }
    setMode('stream');
    const source = new EventSource(EVENTS_PATH.replace('{id}', String(id)), { withCredentials: true });
    let opened = false;
    source.addEventListener('open', () => {
      opened = true;
    });
    source.addEventListener('progress', (event) => {
      let progress: Progress;
      try {
        progress = JSON.parse((event as MessageEvent<string>).data) as Progress;
      } catch {
        return; // a malformed event: the next one repairs it
      }
      // A GET still in flight (the first read) would land after this newer event and put older figures back.
      void queryClient.cancelQueries({ queryKey: progressKey(id) });
      queryClient.setQueryData(progressKey(id), progress);
    });
    source.addEventListener('end', (event) => {
      const reason = (() => {
        try {
          return (JSON.parse((event as MessageEvent<string>).data) as { reason?: string }).reason;
        } catch {
          return undefined;
        }
      })();
      if (reason === 'finished' || reason === 'deleted') {
        source.close();
        void invalidateMailings(queryClient);
      }
      // reconnect, shutdown, unavailable, snapshot: EventSource reconnects by itself after the server's retry.
    });
    source.addEventListener('error', () => {
      // Never opened (a 503 for too many streams, a proxy that buffers) or closed for good: poll instead.
      if (!opened || source.readyState === EventSource.CLOSED) {
        source.close();
        setStreamFailed(true);
      }
    });
    return () => source.close();
  }, [id, finished, streamFailed, queryClient]);

  // The moment the mailing is seen finished (the stream ended, or a refresh read the row), read its final figures
  // once: nothing updates them after that.
  const wasFinished = useRef(finished);
  useEffect(() => {
    if (finished && !wasFinished.current) void refresh(queryClient, (q) => path(q) === '/api/v1/mailings/{id}/progress');
    wasFinished.current = finished;
  }, [finished, id, queryClient]);

  const query = useQuery({
    queryKey: progressKey(id),
    queryFn: () => unwrap(api.GET('/api/v1/mailings/{id}/progress', { params: { path: { id } } })),
    refetchInterval: mode === 'polling' ? POLL_MS : false,
  });

  // A change of the counts or the phase (the first figures too, which may be newer than what the page read at
  // mount): read the mailing, its messages and its timeline again, at most every 2 s. A finished mailing's figures
  // change no more.
  const signature = query.data && !finished ? JSON.stringify([query.data.phase, query.data.paused, query.data.counts]) : '';
  const last = useRef({ signature: '', at: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined });
  useEffect(() => {
    if (!signature || signature === last.current.signature) return;
    last.current.signature = signature;
    const run = () => {
      last.current.at = Date.now();
      last.current.timer = undefined;
      void refresh(queryClient, (q) => /^\/api\/v1\/mailings\/\{id\}(\/stats|\/timeline)?$/.test(path(q)));
    };
    const wait = 2_000 - (Date.now() - last.current.at);
    if (wait <= 0) run();
    else if (!last.current.timer) last.current.timer = setTimeout(run, wait);
  }, [signature, queryClient]);
  useEffect(() => () => clearTimeout(last.current.timer), []);

  return { ...query, mode };
}
