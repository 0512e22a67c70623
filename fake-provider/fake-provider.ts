import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_KNOBS, GARBAGE_BODIES, KnobsPatchSchema, type FakeProviderKnobs } from './knobs';

export type { FakeProviderKnobs, Outage } from './knobs';

export interface Delivery { msgId: number; phone: number; text: string; at: number }
export interface FakeProviderStats {
  requests: number; delivered: number; duplicateRequests: number;
  errors: number; timeouts: number; garbage: number; rejected: number;
  /** Answered 429 (over rateLimitPerS). */
  throttled: number;
}
export interface FakeProvider {
  url: string;
  configure(knobs: Partial<FakeProviderKnobs>): void;
  deliveries(): Delivery[];
  deliveriesByPhone(): Map<number, Delivery[]>;
  stats(): FakeProviderStats;
  reset(): void;
  close(): Promise<void>;
}
export interface FakeProviderOptions {
  port?: number; host?: string; token?: string; knobs?: Partial<FakeProviderKnobs>; random?: () => number;
}

const MAX_BODY_BYTES = 64 * 1024;
const SendBodySchema = z.object({
  id: z.number().int(),
  phone: z.number().int().min(10_000_000_000, 'phone must have 11 digits').max(99_999_999_999, 'phone must have 11 digits'),
  text: z.string(),
});

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk); // past the limit: keep draining, stop storing
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, raw = false, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return; // client gave up or server closing
  const text = raw ? String(body) : JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * In-process fake of the SMS provider (POST /send/{msgId}) with injectable faults.
 * Order per send request: outage/down (503) -> auth (401) -> body validation (400) -> one random draw
 * split into bands [errorRate | timeoutRate | garbageRate | ok]. 500 never delivers; timeout, garbage and ok
 * deliver unless the msgId was already delivered (then it counts as a duplicate request).
 * If jitterMs > 0, one random draw for jitter is taken before the fault draw.
 */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const random = options.random ?? Math.random;
  const expectedAuth = options.token !== undefined ? Buffer.from(`Bearer ${options.token}`) : undefined;
  let knobs: FakeProviderKnobs = { ...DEFAULT_KNOBS, outages: [] };
  const zero = (): FakeProviderStats => ({ requests: 0, delivered: 0, duplicateRequests: 0, errors: 0, timeouts: 0, garbage: 0, rejected: 0, throttled: 0 });
  let counters = zero();
  let delivered = new Map<number, Delivery>(); // first delivery per msgId
  let sms: Delivery[] = []; // every SMS that reached a phone (one per msgId unless dedupe is off)
  const held = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let rateWindow = { second: 0, count: 0 }; // rateLimitPerS: requests in the current one-second window

  const configure = (patch: Partial<FakeProviderKnobs>): void => {
    const parsed = KnobsPatchSchema.safeParse(patch);
    if (!parsed.success) throw new Error(`invalid knobs: ${z.prettifyError(parsed.error)}`);
    const p = parsed.data;
    knobs = { ...knobs, ...p, outages: p.outages ? p.outages.map((o) => ({ ...o })) : knobs.outages };
  };
  if (options.knobs) configure(options.knobs);

  const stats = (): FakeProviderStats => ({ ...counters, delivered: sms.length });
  const deliveries = (): Delivery[] => sms.map((d) => ({ ...d }));
  const reset = (): void => { counters = zero(); delivered = new Map(); sms = []; };

  const authorized = (header: string | undefined): boolean => {
    if (!expectedAuth) return true;
    const got = Buffer.from(header ?? '');
    return got.length === expectedAuth.length && timingSafeEqual(got, expectedAuth);
  };

  const reply = (res: http.ServerResponse, delayMs: number, status: number, body: unknown, raw = false, headers: Record<string, string> = {}): void => {
    if (delayMs <= 0) return send(res, status, body, raw, headers);
    const timer = setTimeout(() => { timers.delete(timer); send(res, status, body, raw, headers); }, delayMs);
    timers.add(timer);
  };

  async function handleSend(req: http.IncomingMessage, res: http.ServerResponse, pathId: string): Promise<void> {
    counters.requests++;
    let raw: string;
    try {
      raw = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) return; // client went away mid-body
      counters.rejected++;
      return send(res, 413, { code: 1, message: `body larger than ${MAX_BODY_BYTES} bytes` });
    }
    const k = knobs;
    const now = Date.now();
    const delay = k.latencyMs + (k.jitterMs > 0 ? Math.floor(random() * (k.jitterMs + 1)) : 0);
    if (k.down || k.outages.some((o) => now >= o.from && now < o.to)) {
      counters.errors++;
      return reply(res, delay, 503, { code: 1, message: 'service unavailable' });
    }
    if (!authorized(req.headers.authorization)) {
      counters.rejected++;
      return reply(res, delay, 401, { code: 1, message: 'unauthorized' });
    }
    if (k.rateLimitPerS > 0) {
      const second = Math.floor(now / 1000);
      if (second !== rateWindow.second) rateWindow = { second, count: 0 };
      if (++rateWindow.count > k.rateLimitPerS) {
        counters.throttled++;
        return reply(res, delay, 429, { code: 1, message: 'too many requests' }, false, { 'retry-after': '1' });
      }
    }
    const bad = (message: string) => { counters.rejected++; reply(res, delay, 400, { code: 1, message }); };
    const msgId = /^\d{1,15}$/.test(pathId) ? Number(pathId) : NaN;
    if (!Number.isSafeInteger(msgId)) return bad('msgId in path must be a non-negative integer');
    let json: unknown;
    try { json = JSON.parse(raw); } catch { return bad('body is not valid JSON'); }
    const parsed = SendBodySchema.safeParse(json);
    if (!parsed.success) return bad(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    if (parsed.data.id !== msgId) return bad('body id does not match msgId in path');

    const r = random();
    if (r < k.errorRate) {
      counters.errors++;
      return reply(res, delay, 500, { code: 1, message: 'internal error' });
    }
    const delivery = { msgId, phone: parsed.data.phone, text: parsed.data.text, at: now };
    if (delivered.has(msgId)) counters.duplicateRequests++;
    else delivered.set(msgId, delivery);
    if (!k.dedupe || delivered.get(msgId) === delivery) sms.push(delivery);
    if (r < k.errorRate + k.timeoutRate) {
      counters.timeouts++;
      held.add(res); // never answered; released when the client aborts or close() runs
      res.on('close', () => held.delete(res));
      return;
    }
    if (r < k.errorRate + k.timeoutRate + k.garbageRate) {
      const body = GARBAGE_BODIES[counters.garbage++ % GARBAGE_BODIES.length];
      return reply(res, delay, 200, body, true);
    }
    reply(res, delay, 200, { code: 0, message: 'OK' });
  }

  async function handleControl(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let patch: unknown;
    try {
      patch = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { code: 1, message: 'body must be JSON' });
    }
    const parsed = KnobsPatchSchema.safeParse(patch);
    if (!parsed.success) return send(res, 400, { code: 1, message: z.prettifyError(parsed.error) });
    configure(parsed.data);
    send(res, 200, { code: 0, message: 'OK', knobs });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const sendMatch = /^\/send\/([^/]*)$/.exec(path);
    if (sendMatch) {
      if (req.method !== 'POST') return send(res, 405, { code: 1, message: 'method not allowed' });
      return handleSend(req, res, sendMatch[1]);
    }
    const route = `${req.method} ${path}`;
    if (route === 'GET /__stats') return send(res, 200, { ...stats(), knobs });
    if (route === 'GET /__deliveries') return send(res, 200, deliveries());
    if (route === 'POST /__control') return handleControl(req, res);
    if (route === 'POST /__reset') { reset(); return send(res, 200, { code: 0, message: 'OK' }); }
    send(res, 404, { code: 1, message: 'not found' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { code: 1, message: `fake provider bug: ${String(err)}` }));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as import('node:net').AddressInfo).port;
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of held) res.destroy();
      held.clear();
      server.closeAllConnections(); // keep-alive and in-flight sockets would otherwise keep close() waiting
    });
    return closing;
  };

  return {
    url: `http://${publicHost}:${port}`,
    configure,
    deliveries,
    deliveriesByPhone: () => {
      const byPhone = new Map<number, Delivery[]>();
      for (const d of deliveries()) {
        const list = byPhone.get(d.phone);
        if (list) list.push(d);
        else byPhone.set(d.phone, [d]);
      }
      return byPhone;
    },
    stats,
    reset,
    close,
  };
}
