import { FINAL_STATUSES } from '../db/message-stats.repository';
import type { DailyFigures } from './daily-figures';

/** Mailings shown in the e-mail's body (the CSV attachment has every one). */
export const BODY_MAILINGS = 100;

const n = (v: number): string => v.toLocaleString('en-US');
const pct = (rate: number | null): string => (rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`);
const snippet = (text: string | null, max = 60): string => {
  if (text === null) return '(deleted)';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const countsLine = (c: Record<(typeof FINAL_STATUSES)[number], number>): string => FINAL_STATUSES.map((s) => `${n(c[s])} ${s}`).join(', ');

export function reportSubject(f: DailyFigures): string {
  const t = f.mailings.totals;
  return `Relay daily report ${f.date} (${f.timezone}): ${n(t.sent)} sent, ${n(t.failed)} failed, ${n(f.webhooks.deliveries.total)} webhook deliveries, ${n(f.syncs.totals.runs)} sync runs`;
}

/** The plain-text part: every figure of the HTML part, readable in any client. */
export function reportText(f: DailyFigures): string {
  const lines: string[] = [];
  const t = f.mailings.totals;
  const w = f.webhooks;
  const a = w.attempts;
  const s = f.syncs.totals;
  lines.push(`Relay daily report for ${f.date} (${f.timezone})`, `Covers ${f.from.toISOString()} to ${f.to.toISOString()}`, '');
  lines.push(`MAILINGS: ${n(t.mailings)} active`, `Messages: ${countsLine(t)} (${n(t.total)} in all)`);
  for (const m of f.mailings.rows.slice(0, BODY_MAILINGS)) {
    lines.push(`  #${m.mailingId} "${snippet(m.text)}" (${m.status ?? 'deleted'}): ${countsLine(m.counts)}`);
    for (const r of m.reasons) lines.push(`      ${r.status}: ${snippet(r.reason, 120)} (${n(r.count)})`);
  }
  if (f.mailings.rows.length > BODY_MAILINGS) lines.push(`  … and ${n(f.mailings.rows.length - BODY_MAILINGS)} more in the attached CSV`);
  lines.push('', 'WEBHOOKS');
  lines.push(`Deliveries of the day's events: ${n(w.deliveries.total)} (${n(w.deliveries.succeeded)} succeeded, ${n(w.deliveries.failed)} failed, ${n(w.deliveries.pending)} pending, ${n(w.deliveries.cancelled)} cancelled)`);
  lines.push(`Delivery success rate: ${pct(w.deliverySuccessRate)}`);
  lines.push(`Attempts: ${n(a.attempts)} (${n(a.succeeded)} succeeded, ${n(a.failed)} failed), success rate ${pct(a.successRate)}` +
    (a.latencyP50Ms === null ? '' : `, latency p50 ${n(a.latencyP50Ms)} ms, p99 ${n(a.latencyP99Ms ?? 0)} ms`));
  lines.push(`Endpoints disabled: ${n(w.disabledEndpoints.length)}`);
  for (const e of w.disabledEndpoints) lines.push(`  #${e.endpointId} ${e.url}: ${e.reason ?? 'no reason'} (${e.disabledAt.toISOString()})`);
  lines.push('', 'SYNCS');
  lines.push(`Runs: ${n(s.runs)} (${n(s.succeeded)} succeeded, ${n(s.failed)} failed, ${n(s.cancelled)} cancelled, ${n(s.running)} running)`);
  lines.push(`Records: ${n(s.fetched)} fetched, ${n(s.inserted)} inserted, ${n(s.updated)} updated`);
  for (const i of f.syncs.integrations) {
    lines.push(`  #${i.integrationId} ${snippet(i.name)}: ${n(i.runs)} runs (${n(i.succeeded)} succeeded, ${n(i.failed)} failed), ${n(i.fetched)} fetched, ${n(i.inserted)} inserted, ${n(i.updated)} updated`);
  }
  lines.push('', 'The attached CSV has one row per mailing.');
  return `${lines.join('\n')}\n`;
}

const esc = (v: string): string =>
  v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const cell = (v: string | number, num = false): string => `<td${num ? ' style="text-align:right"' : ''}>${esc(typeof v === 'number' ? n(v) : v)}</td>`;
const head = (cols: string[]): string => `<tr>${cols.map((c) => `<th style="text-align:left">${esc(c)}</th>`).join('')}</tr>`;
const table = (rows: string[]): string => `<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse">${rows.join('')}</table>`;

/** The HTML part: the same figures as the text part, in tables. */
export function reportHtml(f: DailyFigures): string {
  const t = f.mailings.totals;
  const w = f.webhooks;
  const a = w.attempts;
  const s = f.syncs.totals;
  const mailingRows = f.mailings.rows.slice(0, BODY_MAILINGS).map(
    (m) =>
      `<tr>${cell(`#${m.mailingId}`)}${cell(snippet(m.text))}${cell(m.status ?? 'deleted')}${FINAL_STATUSES.map((st) => cell(m.counts[st], true)).join('')}${cell(m.total, true)}` +
      `<td>${m.reasons.map((r) => `${esc(r.status)}: ${esc(snippet(r.reason, 120))} (${n(r.count)})`).join('<br>')}</td></tr>`,
  );
  const totalRow = `<tr><th colspan="3" style="text-align:left">All mailings</th>${FINAL_STATUSES.map((st) => cell(t[st], true)).join('')}${cell(t.total, true)}<td></td></tr>`;
  const more = f.mailings.rows.length > BODY_MAILINGS ? `<p>… and ${n(f.mailings.rows.length - BODY_MAILINGS)} more in the attached CSV.</p>` : '';
  const endpoints = w.disabledEndpoints.length === 0 ? '' : table([
    head(['Endpoint', 'URL', 'Reason', 'Disabled at (UTC)']),
    ...w.disabledEndpoints.map((e) => `<tr>${cell(`#${e.endpointId}`)}${cell(e.url)}${cell(e.reason ?? 'no reason')}${cell(e.disabledAt.toISOString())}</tr>`),
  ]);
  const integrations = f.syncs.integrations.length === 0 ? '' : table([
    head(['Integration', 'Runs', 'Succeeded', 'Failed', 'Cancelled', 'Running', 'Fetched', 'Inserted', 'Updated']),
    ...f.syncs.integrations.map((i) => `<tr>${cell(`#${i.integrationId} ${snippet(i.name)}`)}${[i.runs, i.succeeded, i.failed, i.cancelled, i.running, i.fetched, i.inserted, i.updated].map((v) => cell(v, true)).join('')}</tr>`),
  ]);
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>Relay daily report</title></head><body style="font-family:sans-serif">',
    `<h1>Relay daily report for ${esc(f.date)} (${esc(f.timezone)})</h1>`,
    `<p>Covers ${esc(f.from.toISOString())} to ${esc(f.to.toISOString())}.</p>`,
    `<h2>Mailings: ${n(t.mailings)} active</h2>`,
    t.mailings === 0 ? '<p>No message reached a final status.</p>' : table([head(['Mailing', 'Text', 'Status', ...FINAL_STATUSES, 'total', 'Failure reasons']), ...mailingRows, totalRow]) + more,
    '<h2>Webhooks</h2>',
    table([
      head(['Figure', 'Value']),
      `<tr>${cell("Deliveries of the day's events")}${cell(w.deliveries.total, true)}</tr>`,
      ...(['succeeded', 'failed', 'pending', 'cancelled'] as const).map((k) => `<tr>${cell(`… ${k}`)}${cell(w.deliveries[k], true)}</tr>`),
      `<tr>${cell('Delivery success rate')}${cell(pct(w.deliverySuccessRate), true)}</tr>`,
      `<tr>${cell('Attempts')}${cell(a.attempts, true)}</tr>`,
      `<tr>${cell('Attempt success rate')}${cell(pct(a.successRate), true)}</tr>`,
      `<tr>${cell('Latency p50 / p99')}${cell(a.latencyP50Ms === null ? 'n/a' : `${n(a.latencyP50Ms)} ms / ${n(a.latencyP99Ms ?? 0)} ms`, true)}</tr>`,
      `<tr>${cell('Endpoints disabled')}${cell(w.disabledEndpoints.length, true)}</tr>`,
    ]),
    endpoints,
    '<h2>Syncs</h2>',
    `<p>Runs: ${n(s.runs)} (${n(s.succeeded)} succeeded, ${n(s.failed)} failed, ${n(s.cancelled)} cancelled, ${n(s.running)} running). ` +
      `Records: ${n(s.fetched)} fetched, ${n(s.inserted)} inserted, ${n(s.updated)} updated.</p>`,
    integrations,
    '<p>The attached CSV has one row per mailing.</p></body></html>',
  ].join('\n');
}
