/** The bench's child processes (spawn, stop) and the CPU time they and the machine use. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO } from './knobs';
import { round } from './measure';

export interface Spawned {
  child: ChildProcess;
  /** The JSON lines it printed. */
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** A script of this repo in its own Node process; resolves with the child once it printed a JSON line with `url` (when asked). */
export async function spawnScript(script: string, env: Record<string, string | undefined>, waitForUrl: boolean): Promise<Spawned & { url?: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, script)], {
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: REPO,
  });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gotUrl: (url: string) => void = () => {};
  const url = new Promise<string>((resolve, reject) => {
    gotUrl = resolve;
    void exited.then((code) => reject(new Error(`${script} exited (${code})`)));
  });
  url.catch(() => {});
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      if (typeof parsed.url === 'string') gotUrl(parsed.url);
    } catch {
      /* a log line that is not ours */
    }
  });
  return { child, lines, exited, ...(waitForUrl ? { url: await url } : {}) };
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** CPU time (ms) a process has used, from /proc (null when it is gone). */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 1/100 s
  } catch {
    return null;
  }
}

/** The machine's busy and total CPU time (ms, all cores), from /proc/stat. */
function machineCpuMs(): { busy: number; total: number } {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0) * 10;
  const idle = (v[3] + v[4]) * 10;
  return { busy: total - idle, total };
}

/** Processes whose command line contains `needle` (the dev server, by its unique SQLite file). */
export function pidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** CPU seconds per named process group between two snapshots (the bench process itself and the machine too). */
export class CpuMeter {
  private constructor(
    private readonly groups: () => Promise<Record<string, number[]>>,
    private readonly start: Map<number, number>,
    private readonly machine: { busy: number; total: number },
    private readonly self: NodeJS.CpuUsage,
  ) {}

  static async start(groups: () => Promise<Record<string, number[]>>): Promise<CpuMeter> {
    const start = new Map<number, number>();
    for (const pids of Object.values(await groups())) for (const pid of pids) start.set(pid, processCpuMs(pid) ?? 0);
    return new CpuMeter(groups, start, machineCpuMs(), process.cpuUsage());
  }

  async read(): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = {};
    const self = process.cpuUsage(this.self);
    out.benchProcess = round((self.user + self.system) / 1e6, 1);
    // A process that appeared since the start counts from zero; one that is gone counts for nothing.
    for (const [name, pids] of Object.entries(await this.groups())) {
      out[name] = round(pids.reduce((a, p) => a + Math.max(0, (processCpuMs(p) ?? 0) - (this.start.get(p) ?? 0)), 0) / 1000, 1);
    }
    const m = machineCpuMs();
    out.machineBusy = round((m.busy - this.machine.busy) / 1000, 1);
    out.machineTotal = round((m.total - this.machine.total) / 1000, 1);
    return out;
  }
}
