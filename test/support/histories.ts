import { promises as fs } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './temporal';

// Recorded workflow histories, kept as binary protobuf: the SDK's JSON helpers break on the two protobufjs majors
// this SDK version installs.
export type History = temporal.api.history.v1.IHistory;
const HistoryProto = temporal.api.history.v1.History;
export const HISTORIES_DIR = path.join(__dirname, '../workflow/histories');

/** Replays a history against the current workflow code: non-determinism fails the caller. */
export async function replay(history: History, name: string): Promise<void> {
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, name);
}

/** Replays a finished run and, with RECORD_HISTORIES=1, stores it as `<name>.binpb` so later code must replay it too. */
export async function replayAndRecord(history: History, name: string): Promise<void> {
  await replay(history, name);
  if (process.env.RECORD_HISTORIES === '1') {
    await fs.writeFile(path.join(HISTORIES_DIR, `${name}.binpb`), HistoryProto.encode(HistoryProto.fromObject(history)).finish());
  }
}

export async function readHistory(file: string): Promise<temporal.api.history.v1.History> {
  return HistoryProto.decode(await fs.readFile(path.join(HISTORIES_DIR, file)));
}

export async function recordedHistoryFiles(): Promise<string[]> {
  return (await fs.readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.binpb'));
}
