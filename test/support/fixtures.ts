import { randomBytes } from 'node:crypto';
import type { Db } from '../../lib/db/connect';
import type { MailingFilter, MailingRow, SendWindow } from '../../lib/db/database';
import { insertMailing } from '../../lib/db/mailing.repository';
import { loadConfig, type Config } from '../../lib/config';

let phoneSeq = 0;
/** A unique valid phone per call in this process. */
export function nextPhone(operator = '900'): string {
  phoneSeq++;
  return `7${operator}${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(4, '0')}`;
}

export async function insertClients(
  db: Db,
  count: number,
  fields: { timezone?: string; operator?: string; tag?: string } = {},
): Promise<{ id: number; phone: string }[]> {
  const rows = Array.from({ length: count }, () => ({
    phone: nextPhone(fields.operator ?? '900'),
    operator_code: fields.operator ?? '900',
    tag: fields.tag ?? '',
    timezone: fields.timezone ?? 'UTC',
  }));
  return db.insertInto('clients').values(rows).returning(['id', 'phone']).execute();
}

export async function createMailingRow(
  db: Db,
  m: { text?: string; startsAt: Date; endsAt: Date; filter?: Partial<MailingFilter>; sendWindow?: SendWindow | null },
): Promise<MailingRow> {
  return insertMailing(db, {
    text: m.text ?? 'Hello from Relay',
    starts_at: m.startsAt,
    ends_at: m.endsAt,
    filter: JSON.stringify({ operatorCodes: m.filter?.operatorCodes ?? [], tags: m.filter?.tags ?? [] }),
    send_window: JSON.stringify(m.sendWindow ?? null),
  });
}

export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** Config for tests: a private task queue, quiet logs, small batches, rate limits out of reach. */
export function testConfig(overrides: Record<string, string>): Config {
  return loadConfig({
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    WEBHOOK_TASK_QUEUE: `test-webhooks-${randomBytes(4).toString('hex')}`,
    INTEGRATION_TASK_QUEUE: `test-sync-${randomBytes(4).toString('hex')}`,
    INTEGRATION_PRIORITY_TASK_QUEUE: `test-sync-priority-${randomBytes(4).toString('hex')}`,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    WEBHOOK_ALLOWLIST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PROVIDER_TIMEOUT_MS: '1000',
    SEND_BATCH_SIZE: '10',
    SEND_CONCURRENCY: '5',
    SEND_LEASE_MS: '5000',
    SEND_RETRY_BASE_MS: '300',
    ADMIN_API_KEY: 'test-admin-key-0123456789',
    // Counted (the store runs in every e2e test) but never reached by ordinary tests; guards tests set their own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_UNAUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_FAILURES: '1000000',
    ...overrides,
  });
}

export const minutes = (n: number): number => n * 60_000;
export const hours = (n: number): number => n * 3_600_000;
