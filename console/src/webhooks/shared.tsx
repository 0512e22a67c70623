import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useId, useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router-dom';
import { api, key, unwrap, type Schemas } from '../api';
import { CopyButton } from '../components/CopyButton';
import { Time } from '../components/Time';
import { formatDuration, formatNumber, formatShare } from '../lib/format';
import { RANGES, type Range } from './webhook-views';

/** Every webhooks query (lists and details alike): their keys all start with a /api/v1/webhooks path. */
export const invalidateWebhooks = (queryClient: QueryClient): Promise<void> =>
  queryClient.invalidateQueries({ predicate: (q) => typeof q.queryKey[0] === 'string' && q.queryKey[0].startsWith('/api/v1/webhooks') });

export function useInvalidateWebhooks(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () => invalidateWebhooks(queryClient);
}

/** The sections of the webhooks pages. */
export function WebhooksNav() {
  const { t } = useTranslation();
  const links: [string, string][] = [
    ['/webhooks', t('webhooks.nav.endpoints')],
    ['/webhooks/event-types', t('webhooks.nav.eventTypes')],
    ['/webhooks/events', t('webhooks.nav.events')],
  ];
  return (
    <nav className="webhooks-nav" aria-label={t('webhooks.nav.label')}>
      <ul>
        {links.map(([to, label]) => (
          <li key={to}>
            <NavLink to={to} end={to === '/webhooks'}>
              {label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The event catalogue (Relay's own types and registered ones). */
export function useEventTypes() {
  return useQuery({ queryKey: key('/api/v1/webhooks/event-types'), queryFn: () => unwrap(api.GET('/api/v1/webhooks/event-types')), staleTime: 30_000 });
}

/** Endpoint URLs by id, for pages that show deliveries (one page of up to 500 endpoints). */
export function useEndpointUrls(): Map<number, string> {
  const query = useQuery({
    queryKey: key('/api/v1/webhooks/endpoints', { limit: 500 }),
    queryFn: () => unwrap(api.GET('/api/v1/webhooks/endpoints', { params: { query: { limit: 500 } } })),
    staleTime: 30_000,
  });
  return useMemo(() => new Map((query.data?.items ?? []).map((e) => [e.id, e.url])), [query.data]);
}

/** A secret shown once: monospace, selectable, with a copy button and the warning that it will not be shown again. */
export function SecretReveal({ secret, expiresAt, onDismiss }: { secret: string; expiresAt?: string; onDismiss?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="secret-reveal" role="status">
      <p>
        <strong>{t('webhooks.secret.once')}</strong>
      </p>
      <p className="secret-line">
        <code className="secret" data-testid="webhook-secret">
          {secret}
        </code>
        <CopyButton text={secret} label={t('webhooks.secret.copy')} />
      </p>
      {expiresAt && (
        <p>
          <small>
            {t('webhooks.secret.rotated')} <Time value={expiresAt} />
          </small>
        </p>
      )}
      <p>
        <small>{t('webhooks.secret.hint')}</small>
      </p>
      {onDismiss && (
        <button type="button" className="outline" onClick={onDismiss}>
          {t('webhooks.secret.dismiss')}
        </button>
      )}
    </div>
  );
}

/**
 * A labelled select whose label sits beside it (a wrapping label would take every option's text into its name).
 */
export function SelectField({
  label,
  value,
  onChange,
  children,
  className = 'field',
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {children}
      </select>
    </div>
  );
}

/** The period select of the statistics. */
export function RangeSelect({ value, onChange }: { value: Range; onChange: (range: Range) => void }) {
  const { t } = useTranslation();
  return (
    <SelectField label={t('webhooks.range.label')} value={value} onChange={(v) => onChange(v as Range)} className="field range-select">
      {RANGES.map((r) => (
        <option key={r} value={r}>
          {t(`webhooks.range.${r}`)}
        </option>
      ))}
    </SelectField>
  );
}

/** Success rate, attempts, latency percentiles and deliveries by status as cards. */
export function StatsCards({ stats }: { stats: Schemas['WebhookStats'] }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const ms = (n: number) => formatDuration(n, lng);
  const latency = stats.latency_ms;
  return (
    <div className="cards" role="group" aria-label={t('webhooks.stats.caption')}>
      <article>
        <small>{t('webhooks.stats.successRate')}</small>
        <span className="figure">{stats.success_rate === null ? t('webhooks.stats.none') : formatShare(stats.success_rate, lng)}</span>
      </article>
      <article>
        <small>{t('webhooks.stats.attempts')}</small>
        <span className="figure">{formatNumber(stats.attempts.total, lng)}</span>
        <small>{t('webhooks.stats.attemptsSplit', { succeeded: formatNumber(stats.attempts.succeeded, lng), failed: formatNumber(stats.attempts.failed, lng) })}</small>
      </article>
      <article>
        <small>{t('webhooks.stats.latency')}</small>
        <span className="figure latency">{latency ? `${ms(latency.p50)} / ${ms(latency.p90)} / ${ms(latency.p99)}` : t('webhooks.stats.none')}</span>
        {latency && <small>{t('webhooks.stats.latencyMax', { max: ms(latency.max) })}</small>}
      </article>
      <article>
        <small>{t('webhooks.stats.deliveries')}</small>
        <span className="figure">{formatNumber(Object.values(stats.deliveries).reduce((sum, n) => sum + n, 0), lng)}</span>
        <small>
          {t('webhooks.stats.deliveriesSplit', {
            succeeded: formatNumber(stats.deliveries.succeeded ?? 0, lng),
            pending: formatNumber(stats.deliveries.pending ?? 0, lng),
            failed: formatNumber(stats.deliveries.failed ?? 0, lng),
          })}
        </small>
      </article>
    </div>
  );
}
