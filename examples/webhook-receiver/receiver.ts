import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { createMemoryDedupeStore, type DedupeStore } from './dedupe-store';

export { createMemoryDedupeStore, type DedupeStore } from './dedupe-store';

/** A verified Relay event. `id` is the `webhook-id` header: the same across retries, so use it as your idempotency key. */
export interface WebhookEvent {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
}

export interface WebhookReceiverOptions {
  /** Endpoint secrets (`whsec_...`); a request signed with any of them is accepted, so you can roll your config. */
  secrets: string[];
  /** Your work. Resolve to acknowledge (204); throw to get a 500 and Relay's retry of the same id. */
  onEvent: (event: WebhookEvent) => Promise<void> | void;
  /** Defaults to a bounded in-memory store (10,000 ids, 48 h). */
  dedupe?: DedupeStore;
  /** Larger bodies get a 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Where failures of onEvent or of the dedupe store are reported. Default: console.error. */
  onError?: (error: unknown, webhookId: string | undefined) => void;
}

class HttpProblem extends Error {
  constructor(readonly status: number, readonly title: string, readonly detail: string) {
    super(detail);
  }
}

/** A node `(req, res)` handler; mount it on `http.createServer` or an Express route WITHOUT a body parser in front. */
export function createWebhookReceiver(options: WebhookReceiverOptions): (req: IncomingMessage, res: ServerResponse) => void {
  if (options.secrets.length === 0) throw new Error('createWebhookReceiver: at least one secret is required');
  const verifiers = options.secrets.map((secret) => new Webhook(secret));
  const dedupe = options.dedupe ?? createMemoryDedupeStore();
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const report = options.onError ?? ((error, id) => console.error(`webhook ${id ?? '(no id)'} failed:`, error));
  const inFlight = new Set<string>(); // ids being processed right now by this process

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new HttpProblem(405, 'Method not allowed', 'Webhooks are delivered with POST');
    const body = await readRawBody(req, maxBodyBytes);
    const headers = {
      'webhook-id': header(req, 'webhook-id'),
      'webhook-timestamp': header(req, 'webhook-timestamp'),
      'webhook-signature': header(req, 'webhook-signature'),
    };
    verify(verifiers, body, headers);
    const event = parseEvent(headers['webhook-id'], body);

    if (inFlight.has(event.id)) throw new HttpProblem(409, 'In progress', `Message ${event.id} is being processed; retry later`);
    inFlight.add(event.id);
    try {
      if (await dedupe.has(event.id)) return send(res, 200, 'application/json', { duplicate: true });
      try {
        await options.onEvent(event);
      } catch (error) {
        report(error, event.id); // not marked as seen: Relay's retry will be processed
        throw new HttpProblem(500, 'Event handler failed', `Message ${event.id} was not processed; it will be retried`);
      }
      try {
        await dedupe.add(event.id);
      } catch (error) {
        report(error, event.id); // the work is done: still acknowledge, a 500 would make Relay deliver it again
      }
      res.writeHead(204).end();
    } finally {
      inFlight.delete(event.id);
    }
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const problem =
        error instanceof HttpProblem ? error : new HttpProblem(500, 'Internal error', 'The webhook could not be handled');
      if (!(error instanceof HttpProblem)) report(error, header(req, 'webhook-id') || undefined);
      if (problem.status === 405) res.setHeader('allow', 'POST');
      if (problem.status === 413) res.setHeader('connection', 'close'); // do not read the rest of an oversized body
      if (res.headersSent) return void res.destroy();
      send(res, problem.status, 'application/problem+json', { type: 'about:blank', title: problem.title, status: problem.status, detail: problem.detail });
    });
  };
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return typeof value === 'string' ? value : '';
}

/** Try each secret; `standardwebhooks` also rejects timestamps more than 5 minutes away from now. */
function verify(verifiers: Webhook[], body: Buffer, headers: Record<string, string>): void {
  let reason = 'No matching signature found';
  for (const webhook of verifiers) {
    try {
      webhook.verify(body, headers, { jsonParse: false });
      return;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      reason = error.message;
    }
  }
  throw new HttpProblem(401, 'Invalid webhook signature', reason);
}

function parseEvent(id: string, body: Buffer): WebhookEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'Invalid body', 'The body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new HttpProblem(400, 'Invalid body', 'Expected a JSON object');
  const { type, timestamp, data } = parsed as Record<string, unknown>;
  if (typeof type !== 'string' || typeof timestamp !== 'string') {
    throw new HttpProblem(400, 'Invalid body', 'Expected string fields "type" and "timestamp"');
  }
  return { id, type, timestamp, data };
}

/** The bytes exactly as received: the signature covers them, so never verify a re-serialised JSON value. */
function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = new HttpProblem(413, 'Payload too large', `The body exceeds ${maxBytes} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.reject(tooLarge);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data').pause();
        reject(tooLarge);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: unknown): void {
  res.writeHead(status, { 'content-type': contentType }).end(JSON.stringify(body));
}
