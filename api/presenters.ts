// Rows become API shapes here and only here.
import type { ApiKeyRow, ClientRow, MailingRow, MessageRow } from '../lib/db/database';
import { mailingWorkflowId, type MailingProgress } from '../workflows/mailing.contract';

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const presentClient = (c: ClientRow) => ({
  id: c.id,
  phone: c.phone,
  operator_code: c.operator_code,
  tag: c.tag,
  timezone: c.timezone,
  created_at: c.created_at.toISOString(),
  updated_at: c.updated_at.toISOString(),
});

export const presentMailing = (m: MailingRow) => ({
  id: m.id,
  text: m.text,
  starts_at: m.starts_at.toISOString(),
  ends_at: m.ends_at.toISOString(),
  filter: { operator_codes: m.filter.operatorCodes, tags: m.filter.tags },
  send_window: m.send_window,
  status: m.status,
  workflow_id: mailingWorkflowId(m.id),
  recurrence_id: m.recurrence_id,
  occurrence_at: iso(m.occurrence_at),
  send_rate_per_s: m.send_rate_per_s,
  created_at: m.created_at.toISOString(),
  updated_at: m.updated_at.toISOString(),
});

export const presentMessage = (m: MessageRow) => ({
  id: m.id,
  mailing_id: m.mailing_id,
  client_id: m.client_id,
  phone: m.phone,
  status: m.status,
  attempts: m.attempts,
  last_error: m.last_error,
  created_at: m.created_at.toISOString(),
  sent_at: iso(m.sent_at),
});

export const presentProgress = (p: MailingProgress) => ({
  mailing_id: p.mailingId,
  phase: p.phase,
  paused: p.paused,
  total: p.total,
  counts: p.counts,
  next_wake_at: p.nextWakeAt,
  live: true,
});

export const presentApiKey = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  key_prefix: k.key_prefix,
  created_at: k.created_at.toISOString(),
  last_used_at: iso(k.last_used_at),
  revoked_at: iso(k.revoked_at),
});
