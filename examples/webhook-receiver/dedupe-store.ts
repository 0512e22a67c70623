/**
 * Where the receiver remembers which `webhook-id`s it has already processed. Relay retries a message with the same
 * id until it gets a 2xx, so a receiver that saw the id before answers 200 without doing the work twice.
 * Swap the in-memory default for Redis (`SET id 1 NX EX 86400`) or a database unique key when you run several replicas.
 */
export interface DedupeStore {
  has(id: string): Promise<boolean> | boolean;
  add(id: string): Promise<void> | void;
}

export interface MemoryDedupeOptions {
  /** Ids kept at most; the oldest are forgotten first. Default 10,000. */
  maxIds?: number;
  /** How long an id is remembered. Default 48 h: longer than Relay's retry schedule (27 h 35 min nominal, up to ~33 h with jitter). */
  ttlMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Bounded, process-local store: forgets ids after `ttlMs` or when more than `maxIds` are kept. */
export function createMemoryDedupeStore(options: MemoryDedupeOptions = {}): DedupeStore {
  const maxIds = options.maxIds ?? 10_000;
  const ttlMs = options.ttlMs ?? 48 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  // id -> expiry. A Map iterates in insertion order and the TTL is constant, so the first entries expire first.
  const seen = new Map<string, number>();

  const prune = (): void => {
    const t = now();
    for (const [id, expiresAt] of seen) {
      if (expiresAt > t && seen.size <= maxIds) break;
      seen.delete(id);
    }
  };

  return {
    has(id) {
      prune();
      return seen.has(id);
    },
    add(id) {
      seen.delete(id); // re-adding moves the id to the young end
      seen.set(id, now() + ttlMs);
      prune();
    },
  };
}
