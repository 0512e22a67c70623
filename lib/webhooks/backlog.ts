import type { Db } from '../db/connect';
import { dispatchBacklog } from '../db/webhook-dispatch.repository';

export interface Backlog {
  pending: number;
  due: number;
  oldestCreatedAt: Date | null;
}

/** How long one count of the backlog serves publishers (one indexed count a second, not one per event). */
const CACHE_MS = 1_000;

/**
 * The dispatch backlog as publishing sees it: counted at most once a second per process. `full()` says whether
 * publishing must be refused (more pending deliveries than `maxBacklog`; 0 = never).
 */
export class BacklogWatch {
  private last: { at: number; value: Promise<Backlog> } | null = null;

  constructor(
    private readonly db: Db,
    readonly maxBacklog: number,
  ) {}

  read(): Promise<Backlog> {
    if (this.last && Date.now() - this.last.at < CACHE_MS) return this.last.value;
    const value = dispatchBacklog(this.db);
    this.last = { at: Date.now(), value };
    value.catch(() => (this.last = null));
    return value;
  }

  async full(): Promise<boolean> {
    if (this.maxBacklog === 0) return false;
    return (await this.read()).pending >= this.maxBacklog;
  }
}
