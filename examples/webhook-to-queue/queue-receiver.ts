import type { IncomingMessage, ServerResponse } from 'node:http';
import { createWebhookReceiver, type DedupeStore } from '../webhook-receiver/receiver';
import type { FileQueue } from './file-queue';

/**
 * Verify, then enqueue: the HTTP answer only says "stored durably", the real work happens in the consumer.
 * Relay gets its 204 in milliseconds and a slow or failing consumer never makes it retry.
 */
export function createQueueReceiver(options: {
  secrets: string[];
  queue: FileQueue;
  dedupe?: DedupeStore;
}): (req: IncomingMessage, res: ServerResponse) => void {
  return createWebhookReceiver({
    secrets: options.secrets,
    dedupe: options.dedupe,
    onEvent: (event) => options.queue.append({ ...event, receivedAt: new Date().toISOString() }),
  });
}
