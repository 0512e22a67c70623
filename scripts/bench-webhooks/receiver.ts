/** The receiver (scripts/bench-receiver.ts) in its own process, and its control API. */
import type { Arrivals } from './measure';
import { spawnScript, stopChild, type Spawned } from './processes';

export class Receiver {
  private constructor(
    readonly url: string,
    private readonly spawned: Spawned,
  ) {}

  static async start(latencyMs: number): Promise<Receiver> {
    const s = await spawnScript('scripts/bench-receiver.ts', { BENCH_RECEIVER_LATENCY_MS: String(latencyMs), BENCH_RECEIVER_PORT: '0' }, true);
    return new Receiver(s.url!, s);
  }

  get pid(): number {
    return this.spawned.child.pid ?? 0;
  }

  private async call<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${p}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as T;
  }

  stats(): Promise<{ requests: number; duplicates: number; paths: Record<string, { requests: number; unique: number; byStatus: Record<string, number> }> }> {
    return this.call('GET', '/__stats');
  }
  async unique(): Promise<number> {
    return Object.values((await this.stats()).paths).reduce((a, p) => a + p.unique, 0);
  }
  arrivals(p: string): Promise<Arrivals> {
    return this.call('GET', `/__arrivals?path=${encodeURIComponent(p)}`);
  }
  control(p: string, mode: { status?: number; failRate?: number; latencyMs?: number }): Promise<unknown> {
    return this.call('POST', '/__control', { path: p, ...mode });
  }
  reset(): Promise<unknown> {
    return this.call('POST', '/__reset');
  }
  close(): Promise<void> {
    return stopChild(this.spawned.child);
  }
}
