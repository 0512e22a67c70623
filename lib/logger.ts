import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs; child loggers carry mailingId / messageId / clientId so one grep finds one entity. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'relay', ...base }, timestamp: pino.stdTimeFunctions.isoTime });
}
