import { promises as fs } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';

/** The SMTP server refused the message for good (a 5xx other than 503): sending it again gets the same answer. */
export class SmtpRejectedError extends Error {
  override readonly name = 'SmtpRejectedError';
  constructor(message: string, readonly responseCode: number | null, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The message did not go out this time (connection refused or lost, a 4xx, a timeout): retried by the activity policy. */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface OutgoingMail {
  /** Names the outbox file: `<fileKey>.eml`. */
  fileKey: string;
  messageId: string;
  from: string;
  to: { name: string | null; address: string }[];
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: string; contentType: string }[];
}

export interface SentMail {
  accepted: string[];
  rejected: string[];
  /** The SMTP server's last answer, or `file:<path>` for the outbox. */
  deliveredTo: string;
}

const address = (a: string | { address: string }): string => (typeof a === 'string' ? a : a.address);

/** A nodemailer failure as one of the two classes above (nodemailer marks 5xx replies but 503 `permanent`). */
export function classifySendError(err: unknown): Error {
  const e = err as { message?: string; responseCode?: number; permanent?: boolean; code?: string };
  const code = typeof e?.responseCode === 'number' ? e.responseCode : null;
  const message = `SMTP ${e?.code ?? 'error'}${code ? ` ${code}` : ''}: ${e?.message ?? String(err)}`;
  const permanent = e?.permanent === true || (code !== null && code >= 500 && code < 600 && code !== 503);
  return permanent ? new SmtpRejectedError(message, code, { cause: err }) : new MailSendError(message, { cause: err });
}

function message(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to.map((r) => (r.name ? { name: r.name, address: r.address } : r.address)),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    attachments: mail.attachments,
    // Never let message content reach for files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** Sends over SMTP at `url` (one connection per message: the report goes out once a day). */
export async function sendOverSmtp(url: string, mail: OutgoingMail): Promise<SentMail> {
  const transport = nodemailer.createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 });
  try {
    const info = await transport.sendMail(message(mail));
    return { accepted: info.accepted.map(address), rejected: info.rejected.map(address), deliveredTo: String(info.response ?? '') };
  } catch (err) {
    throw classifySendError(err);
  } finally {
    transport.close();
  }
}

/** Writes the message as `<dir>/<fileKey>.eml` (written whole, then renamed: a reader never sees half a file). */
export async function writeToOutbox(dir: string, mail: OutgoingMail): Promise<SentMail> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail(message(mail));
  const file = path.resolve(dir, `${mail.fileKey}.eml`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await fs.writeFile(partial, info.message as Buffer);
  await fs.rename(partial, file);
  return { accepted: mail.to.map((r) => r.address), rejected: [], deliveredTo: `file:${file}` };
}
