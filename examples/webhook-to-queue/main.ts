/**
 *   WEBHOOK_SECRET=whsec_... PORT=4000 QUEUE_FILE=./data/webhook-queue.jsonl npx tsx examples/webhook-to-queue/main.ts
 */
import { createServer } from 'node:http';
import { createFileQueue } from './file-queue';
import { createQueueReceiver } from './queue-receiver';

const secrets = (process.env.WEBHOOK_SECRET ?? '').split(/\s+/).filter((s) => s !== '');
if (secrets.length === 0) throw new Error('WEBHOOK_SECRET is required (whsec_..., several separated by spaces)');
const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';
const queuePath = process.env.QUEUE_FILE ?? './data/webhook-queue.jsonl';

const queue = createFileQueue(queuePath);
const server = createServer(createQueueReceiver({ secrets, queue }));
server.listen(port, host, () => console.error(`enqueuing webhooks from http://${host}:${port}/ into ${queuePath}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void queue.close());
    server.closeIdleConnections();
  });
}
