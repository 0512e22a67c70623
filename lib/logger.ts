import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line (credentials, signing secrets, auth headers), at the top or one level down. */
const SECRET_KEYS = ['secret', 'secrets', 'token', 'password', 'api_key', 'apiKey', 'key', 'authorization', 'secret_sealed', 'authHeaders', 's_token'];
export const REDACTED_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), 'headers.authorization', '*.headers.authorization', 'headers["x-api-key"]', '*.headers["x-api-key"]', 'credential.secret', '*.credential.secret'];

/** JSON logs; child loggers carry mailingId / messageId / clientId so one grep finds one entity. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'relay', ...base }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
