import path from 'node:path';
import type { Config } from '../config';

/** How the daily report is made and sent (REPORT_* and SMTP_URL). */
export interface ReportSettings {
  /** The zone whose calendar days are reported (and in which REPORT_CRON fires). */
  timezone: string;
  cron: string;
  /** The From address ("Relay <relay@example.com>" or a bare address). */
  from: string;
  /** smtp(s)://user:pass@host:port; null: write .eml files to outboxDir instead of sending. */
  smtpUrl: string | null;
  outboxDir: string;
  /** Send a report for a day with no activity too. */
  sendEmpty: boolean;
  /** Failure reasons listed per mailing. */
  topReasons: number;
}

export const DEFAULT_REPORT_SETTINGS: ReportSettings = {
  timezone: 'UTC',
  cron: '30 5 * * *',
  from: 'Relay <relay@localhost>',
  smtpUrl: null,
  outboxDir: path.join('data', 'outbox'),
  sendEmpty: false,
  topReasons: 5,
};

export function reportSettingsFromConfig(config: Config): ReportSettings {
  return {
    timezone: config.REPORT_TIMEZONE,
    cron: config.REPORT_CRON,
    from: config.REPORT_FROM,
    smtpUrl: config.SMTP_URL ?? null,
    outboxDir: config.REPORT_OUTBOX_DIR ?? path.join(config.DATA_DIR, 'outbox'),
    sendEmpty: config.REPORT_SEND_EMPTY,
    topReasons: config.REPORT_TOP_REASONS,
  };
}
