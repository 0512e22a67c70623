// The recording, scriptable HTTP server the fake upstream APIs (GitHub, Sympla) are built on: every request logged,
// failNext answers served first, optional latency.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Date.now() on arrival. */
  at: number;
}

/** One answer: a string body is sent as is, anything else as JSON. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeServer {
  url: string;
  /** Every request, in arrival order (scripted ones included). */
  requests: RecordedRequest[];
  /** Answers served, in order, to the next requests before normal handling. */
  failNext(answers: FakeAnswer[]): void;
  /** Delay before every answer. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records requests, serves scripted answers first, then asks `handle`. */
export async function startFakeServer(handle: (req: RecordedRequest, baseUrl: string) => FakeAnswer): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const scripted: FakeAnswer[] = [];
  let latencyMs = 0;
  let baseUrl = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, at: Date.now() };
    requests.push(recorded);
    req.resume();
    const answer = scripted.shift() ?? handle(recorded, baseUrl);
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(body);
    };
    if (latencyMs > 0) setTimeout(send, latencyMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    requests,
    failNext: (answers) => void scripted.push(...answers),
    setLatency: (ms) => void (latencyMs = ms),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What a test sets on an issue; the fake fills in the rest of GitHub's shape. */
