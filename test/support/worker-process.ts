import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Stack } from './stack';

/**
 * The real worker entry point (worker/main.ts) in its own process, configured like the stack's, so a test can kill it
 * without warning (SIGKILL: no shutdown, in-flight work and unsaved results are lost with it). Kill leftovers with
 * killAll() in the test's after().
 */
export function workerProcesses(s: () => Stack) {
  const children: ChildProcess[] = [];
  return {
    spawn(): ChildProcess {
      const c = s().config;
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../worker/main.ts')], {
        env: {
          ...process.env,
          DATABASE_URL: s().tdb.url,
          TEMPORAL_ADDRESS: s().env.address,
          TEMPORAL_TASK_QUEUE: c.TEMPORAL_TASK_QUEUE,
          WEBHOOK_TASK_QUEUE: c.WEBHOOK_TASK_QUEUE,
          INTEGRATION_TASK_QUEUE: c.INTEGRATION_TASK_QUEUE,
          INTEGRATION_PRIORITY_TASK_QUEUE: c.INTEGRATION_PRIORITY_TASK_QUEUE,
          ENCRYPTION_KEY: c.ENCRYPTION_KEY,
          WEBHOOK_ALLOWLIST: c.WEBHOOK_ALLOWLIST,
          PROVIDER_URL: c.PROVIDER_URL,
          PROVIDER_TOKEN: c.PROVIDER_TOKEN,
          PROVIDER_TIMEOUT_MS: String(c.PROVIDER_TIMEOUT_MS),
          SEND_BATCH_SIZE: String(c.SEND_BATCH_SIZE),
          SEND_CONCURRENCY: String(c.SEND_CONCURRENCY),
          LOG_LEVEL: 'warn',
          // The webhook dispatch settings too: a worker with other settings would replace the dispatchers.
          ...Object.fromEntries(
            Object.entries(c)
              .filter(([name, value]) => name.startsWith('WEBHOOK_') && value !== undefined)
              .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
          ),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      return child;
    },
    killAll(): void {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
