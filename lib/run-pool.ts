/** Runs `work` over `items` with at most `concurrency` calls in flight, in order of start. */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  });
  await Promise.all(workers);
}

/** How often a running call's slow mark is read again. */
const RECHECK_MS = 250;

export interface SlotPoolOptions {
  /** Calls holding a slot at once. */
  concurrency: number;
  /** Calls let go of their slot (still running) at once; further slow calls keep their slot. */
  maxReleased: number;
  /** How long a call may hold its slot before it is let go; read at each start (it may adapt). */
  releaseAfterMs: () => number;
}

/**
 * A pool where a call that runs longer than `releaseAfterMs()` gives its slot back while it goes on running (at most
 * `maxReleased` such calls at once, across every run()): a few calls that hang until their timeout hold up neither
 * the rest of their batch nor the next batch. drain() waits for the released calls and throws the first error of any.
 */
export class SlotPool {
  private releasedNow = 0;
  private releasedTotal = 0;
  private readonly released = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(private readonly options: SlotPoolOptions) {}

  /** Calls let go of their slot that are still running. */
  get releasedRunning(): number {
    return this.released.size;
  }

  /** Calls let go of their slot so far. */
  get releasedCount(): number {
    return this.releasedTotal;
  }

  /** Starts `work` for every item; resolves once each has finished or been released. Rejects on the first error. */
  /**
   * `work` calls `clock()` when the part that may be slow begins (e.g. after waiting for a rate-limit slot, which is
   * not slowness): only from then on can the call be let go of its slot.
   */
  async run<T>(items: readonly T[], work: (item: T, index: number, clock: () => void) => Promise<void>, onRelease?: (item: T) => void): Promise<void> {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < items.length && this.failure === null) {
        const index = next++;
        let startClock: () => void = () => undefined;
        const clockStarted = new Promise<number>((resolve) => (startClock = () => resolve(performance.now())));
        const call = work(items[index], index, startClock).catch((error: unknown) => {
          this.failure ??= { error };
        });
        const ended = call.then(() => 'done' as const);
        const startedAt = await Promise.race([clockStarted, ended]);
        if (startedAt === 'done') continue;
        if (this.releasedNow >= this.options.maxReleased) {
          await call;
          continue;
        }
        // The slow mark is read again while the call runs (it adapts, e.g. once the first answers are in), at least
        // every RECHECK_MS; a call that answers first costs one timer.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const slow = new Promise<'slow'>((resolve) => {
          const check = () => {
            const left = this.options.releaseAfterMs() - (performance.now() - startedAt);
            if (left <= 0) resolve('slow');
            else timer = setTimeout(check, Math.min(left, RECHECK_MS));
          };
          check();
        });
        const first = await Promise.race([ended, slow]);
        clearTimeout(timer);
        if (first === 'done') continue;
        if (this.releasedNow >= this.options.maxReleased) {
          await call;
          continue;
        }
        this.releasedNow++;
        this.releasedTotal++;
        onRelease?.(items[index]);
        const tracked: Promise<void> = call.finally(() => {
          this.releasedNow--;
          this.released.delete(tracked);
        });
        this.released.add(tracked);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, items.length) }, lane));
    this.throwIfFailed();
  }

  /** Waits until every released call has finished; throws the first error any call raised. */
  async drain(): Promise<void> {
    while (this.released.size > 0) await Promise.all([...this.released]);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }
}

/** runPool with SlotPool's release of slow calls; resolves when every call has finished. */
export async function runSlotPool<T>(items: readonly T[], options: SlotPoolOptions, work: (item: T, index: number) => Promise<void>): Promise<{ released: number }> {
  const pool = new SlotPool(options);
  try {
    await pool.run(items, (item, index, clock) => (clock(), work(item, index)));
  } finally {
    await pool.drain().catch(() => undefined);
  }
  await pool.drain();
  return { released: pool.releasedCount };
}
