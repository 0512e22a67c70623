/**
 * Tails the queue file and "processes" each record (prints it). The offset is saved in `<QUEUE_FILE>.offset` after
 * each batch, so a restart resumes where it stopped; a crash before saving re-delivers a batch (at-least-once), so
 * real processing must be idempotent on the record's `id` (the webhook-id).
 *
 *   QUEUE_FILE=./data/webhook-queue.jsonl npx tsx examples/webhook-to-queue/consumer.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { readQueue } from './file-queue';

const queuePath = process.env.QUEUE_FILE ?? './data/webhook-queue.jsonl';
const offsetPath = `${queuePath}.offset`;
let stopping = false;
process.once('SIGINT', () => (stopping = true));
process.once('SIGTERM', () => (stopping = true));

async function savedOffset(): Promise<number> {
  try {
    return Number(await readFile(offsetPath, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function main(): Promise<void> {
  let offset = await savedOffset();
  console.error(`consuming ${queuePath} from byte ${offset}`);
  while (!stopping) {
    const { records, nextOffset } = await readQueue(queuePath, offset);
    for (const record of records) process.stdout.write(`processed ${JSON.stringify(record)}\n`);
    if (nextOffset !== offset) await writeFile(offsetPath, String(nextOffset));
    offset = nextOffset;
    if (records.length === 0) await sleep(500);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
