import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';

/** A poller seen this recently is a live worker: workers re-poll at least once a minute (long polls last ≤ 60 s). */
const POLLER_FRESH_MS = 75_000;
const CACHE_MS = 2_000;
const DESCRIBE_DEADLINE_MS = 1_000;

/**
 * Whether any worker polls a task queue's workflow tasks, asked of the Temporal server (DescribeTaskQueue: no worker
 * needed to answer) and cached for 2 s per queue. Reads use it to skip a workflow query that no worker could answer,
 * and control calls to refuse at once (nothing changed) instead of waiting for a worker that is not there.
 * A worker killed less than a minute ago may still count as present; callers keep their own short deadlines.
 */
export class WorkerPresence {
  private readonly cache = new Map<string, { at: number; present: Promise<boolean> }>();

  constructor(private readonly client: Client) {}

  hasWorker(taskQueue: string): Promise<boolean> {
    const hit = this.cache.get(taskQueue);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.present;
    const present = this.ask(taskQueue);
    this.cache.set(taskQueue, { at: Date.now(), present });
    return present;
  }

  private async ask(taskQueue: string): Promise<boolean> {
    try {
      const answer = await this.client.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () =>
        this.client.workflowService.describeTaskQueue({
          namespace: this.client.options.namespace,
          taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const now = Date.now();
      return (answer.pollers ?? []).some((p) => now - (optionalTsToMs(p.lastAccessTime) ?? 0) < POLLER_FRESH_MS);
    } catch {
      return false; // Temporal unreachable: no worker can be reached through it either
    }
  }
}
