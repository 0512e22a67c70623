import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from '../lib/logger';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Sends the Temporal SDK's own logs (worker, workflow `log.*` calls with their mailingId) through pino, so every
 * line of a process is JSON. Call once, before any worker exists; `shutdownSignals: []` leaves signals to the caller.
 */
export function installTemporalRuntime(logger: Logger, options: { handleSignals?: boolean } = {}): void {
  const temporalLog = logger.child({ source: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry: LogEntry) => {
      const { sdkComponent, ...meta } = entry.meta ?? {};
      temporalLog[LEVELS[entry.level]]({ sdkComponent, ...meta }, entry.message);
    }),
    ...(options.handleSignals === false ? { shutdownSignals: [] } : {}),
  });
}
