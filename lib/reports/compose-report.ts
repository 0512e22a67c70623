import type { ReportAddress } from '../db/report-tables';
import type { DailyFigures } from './daily-figures';
import type { OutgoingMail } from './mailer';
import { mailingsCsv } from './report-csv';
import { reportHtml, reportSubject, reportText } from './render-report';

/** The domain of the From address ("Relay <relay@example.com>" → example.com), for the Message-ID. */
export function senderDomain(from: string): string {
  const match = /@([^\s<>@"]+)>?\s*$/.exec(from);
  return match ? match[1].toLowerCase() : 'relay.invalid';
}

/**
 * The day's Message-ID: derived from the date alone, so a report sent again after a crash between the SMTP server's
 * acceptance and the send being recorded carries the same id (mail systems and clients fold such duplicates).
 */
export const dailyReportMessageId = (date: string, from: string): string => `<relay-daily-report-${date}@${senderDomain(from)}>`;

/** The e-mail: subject with the date, HTML and plain-text parts, the per-mailing CSV attached. */
export function composeDailyReport(f: DailyFigures, from: string, recipients: ReportAddress[]): OutgoingMail {
  return {
    fileKey: `${f.date}-daily-report`,
    messageId: dailyReportMessageId(f.date, from),
    from,
    to: recipients,
    subject: reportSubject(f),
    text: reportText(f),
    html: reportHtml(f),
    attachments: [{ filename: `relay-mailings-${f.date}.csv`, content: mailingsCsv(f), contentType: 'text/csv; charset=utf-8' }],
  };
}
