import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A durable local queue: an append-only JSONL file, one record per line, fsync'ed before `append` resolves.
 * Stand-in for SQS/Kafka/...: the receiver acknowledges Relay only once the record is on disk.
 */
export interface FileQueue {
  append(record: unknown): Promise<void>;
  close(): Promise<void>;
}

export function createFileQueue(path: string): FileQueue {
  let handle: Promise<FileHandle> | undefined;
  let tail: Promise<void> = Promise.resolve(); // appends run one at a time so lines never interleave
  const opened = (): Promise<FileHandle> =>
    (handle ??= openForAppend(path).catch((error: unknown) => {
      handle = undefined; // let the next append try again
      throw error;
    }));

  return {
    append(record) {
      const line = `${JSON.stringify(record)}\n`;
      const done = tail.then(async () => {
        const fh = await opened();
        await fh.appendFile(line);
        await fh.sync();
      });
      tail = done.catch(() => undefined); // the caller gets the error through `done`; the chain stays usable
      return done;
    },
    async close() {
      await tail;
      if (handle) await (await handle).close();
      handle = undefined;
    },
  };
}

async function openForAppend(path: string): Promise<FileHandle> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'a');
  if (process.platform !== 'win32') {
    const dir = await open(dirname(path), 'r'); // make the (possibly new) file's directory entry durable too
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
  return fh;
}

/** Complete records from byte `offset` on, and the offset to continue from (a half-written last line is left). */
export async function readQueue(path: string, offset = 0): Promise<{ records: unknown[]; nextOffset: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], nextOffset: offset };
    throw error;
  }
  let bytes: Buffer;
  try {
    const size = Math.max(0, (await fh.stat()).size - offset);
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(size), 0, size, offset); // only the new part
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const end = bytes.lastIndexOf(0x0a) + 1; // up to and including the last newline
  const records = bytes
    .subarray(0, end)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
  return { records, nextOffset: offset + end };
}
