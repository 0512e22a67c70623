import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number; // Date.now() when it arrived
}

/** How the receiver answers one request. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface TestReceiver {
  url: string;
  /** Requests per path, in arrival order. */
  received(path: string): ReceivedRequest[];
  /** Answers for the next requests to `path`, in order; after them `fallback` (default 200). */
  script(path: string, answers: Answer[], fallback?: Answer): void;
  close(): Promise<void>;
}

/** A local webhook receiver for tests: records every request raw and answers as scripted per path. */
export async function startTestReceiver(): Promise<TestReceiver> {
  const log = new Map<string, ReceivedRequest[]>();
  const scripts = new Map<string, { queue: Answer[]; fallback: Answer }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      log.set(path, [...(log.get(path) ?? []), { path, headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }]);
      const script = scripts.get(path);
      const answer = script?.queue.shift() ?? script?.fallback ?? { status: 200, body: 'ok' };
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: (path) => log.get(path) ?? [],
    script: (path, answers, fallback = { status: 200, body: 'ok' }) => scripts.set(path, { queue: [...answers], fallback }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
