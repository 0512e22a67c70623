import { useQuery } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { api, key, unwrap, type Schemas } from '../api';
import { Chart, type Series } from '../components/Chart';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatDuration, formatNumber, formatShare, isoToLocalInput, localInputToIso, viewerTimeZone } from '../lib/format';
import { hasData, MAILING_STATUSES, progressShare, SERIES_COLOURS } from '../mailings/progress';
import { bucketColumns, customRange, PRESETS, presetRange, refreshMs, type Preset, type Range } from './range';

type MessagePoint = Schemas['MessageSeriesPoint'];

const PRESET_LABEL: Record<Preset, 'lastHour' | 'last24h' | 'last7d' | 'last30d'> = { '1h': 'lastHour', '24h': 'last24h', '7d': 'last7d', '30d': 'last30d' };
const isPreset = (value: string | null): value is Preset => (PRESETS as readonly string[]).includes(value ?? '');

/** The range in the address (?range=24h, or ?range=custom&from=…&to=…), so a view can be shared and survives a reload. */
function useRange() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('range');
  const custom = raw === 'custom' ? customRange(params.get('from'), params.get('to')) : null;
  const preset: Preset | 'custom' = custom ? 'custom' : isPreset(raw) ? raw : '24h';
  const setPreset = (next: Preset | 'custom') => {
    if (next !== 'custom') return setParams({ range: next });
    const seed = presetRange(preset === 'custom' ? '24h' : preset, new Date());
    setParams({ range: 'custom', from: seed.from, to: seed.to });
  };
  const setCustom = (from: string | null, to: string | null) => setParams({ range: 'custom', from: from ?? '', to: to ?? '' });
  /** The range to ask for now (a preset ends at the moment of asking). */
  const resolve = (): Range => custom ?? presetRange(preset === 'custom' ? '24h' : preset, new Date());
  const bucket = custom?.bucket ?? presetRange(preset === 'custom' ? '24h' : preset, new Date()).bucket;
  return { preset, custom, setPreset, setCustom, resolve, bucket, rangeKey: custom ? { from: custom.from, to: custom.to } : { preset } };
}

/**
 * The console's home: messages sent and failed over the range, mailings by status, webhook success rate and latency,
 * sync runs by outcome, and the mailings running now. The range is chosen at the top (a preset or from/to).
 */
export function OverviewPage() {
  const { t, i18n } = useTranslation();
  const range = useRange();
  const refetchInterval = range.custom ? false : refreshMs(range.bucket);
  const messages = useQuery({
    queryKey: key('/api/v1/stats/messages', range.rangeKey),
    queryFn: () => unwrap(api.GET('/api/v1/stats/messages', { params: { query: range.resolve() } })),
    refetchInterval,
  });
  const webhooks = useQuery({
    queryKey: key('/api/v1/stats/webhooks', range.rangeKey),
    queryFn: () => unwrap(api.GET('/api/v1/stats/webhooks', { params: { query: range.resolve() } })),
    refetchInterval,
  });
  const syncs = useQuery({
    queryKey: key('/api/v1/stats/syncs', range.rangeKey),
    queryFn: () => unwrap(api.GET('/api/v1/stats/syncs', { params: { query: range.resolve() } })),
    refetchInterval,
  });
  const n = (value: number | null | undefined) => formatNumber(value ?? 0, i18n.language);
  const bucketWord = t(`overview.bucket.${range.bucket}`);

  const messageChart = useMemo(() => {
    if (!messages.data) return null;
    const keys = (['sent', 'failed', 'unknown', 'expired'] as const).filter((k) => k === 'sent' || k === 'failed' || hasData(messages.data.points, [k]));
    const { times, values } = bucketColumns(messages.data, Object.fromEntries(keys.map((k) => [k, (p: MessagePoint) => p[k]])) as Record<(typeof keys)[number], (p: MessagePoint) => number>);
    return { times, series: keys.map<Series>((k) => ({ label: t(`mailings.messageStatus.${k}.label`), values: values[k], color: SERIES_COLOURS[k], bars: true })) };
  }, [messages.data, t]);
  const webhookChart = useMemo(() => {
    if (!webhooks.data) return null;
    const { times, values } = bucketColumns(webhooks.data, {
      rate: (p) => (p.success_rate === null ? null : Math.round(p.success_rate * 1000) / 10),
      p50: (p) => p.latency_p50_ms,
      p99: (p) => p.latency_p99_ms,
    });
    return {
      times,
      series: [
        { label: t('overview.webhooks.successRate'), values: values.rate, color: '#2e7d32' },
        { label: t('overview.webhooks.p50'), values: values.p50, color: '#1565c0', right: true },
        { label: t('overview.webhooks.p99'), values: values.p99, color: '#b26a00', right: true },
      ] satisfies Series[],
    };
  }, [webhooks.data, t]);
  const syncChart = useMemo(() => {
    if (!syncs.data) return null;
    const { times, values } = bucketColumns(syncs.data, { succeeded: (p) => p.succeeded, failed: (p) => p.failed, cancelled: (p) => p.cancelled });
    return {
      times,
      series: [
        { label: t('overview.syncs.succeeded'), values: values.succeeded, color: '#2e7d32', bars: true },
        { label: t('overview.syncs.failed'), values: values.failed, color: '#c62828', bars: true },
        { label: t('overview.syncs.cancelled'), values: values.cancelled, color: '#78909c', bars: true },
      ] satisfies Series[],
    };
  }, [syncs.data, t]);

  const wt = webhooks.data?.totals;
  const st = syncs.data?.totals;
  const mt = messages.data?.totals;
  return (
    <section className="overview">
      <div className="page-head">
        <h1>{t('overview.title')}</h1>
        <RangePicker range={range} />
      </div>

      <section className="cards" aria-label={t('overview.figures')}>
        <Figure label={t('overview.figure.sent')} value={mt && n(mt.sent)} tone="ok" testId="figure-sent" />
        <Figure label={t('overview.figure.failed')} value={mt && n(mt.failed)} tone="bad" testId="figure-failed" note={mt && mt.unknown > 0 ? t('overview.figure.unknown', { count: mt.unknown }) : undefined} />
        <Figure label={t('overview.figure.webhookSuccess')} value={wt && (wt.success_rate === null ? '—' : formatShare(wt.success_rate, i18n.language))} note={wt && t('overview.figure.attempts', { count: wt.attempts })} testId="figure-webhook-success" />
        <Figure
          label={t('overview.figure.latency')}
          value={wt && (wt.latency_p50_ms === null ? '—' : `${formatDuration(wt.latency_p50_ms, i18n.language)} / ${formatDuration(wt.latency_p99_ms, i18n.language)}`)}
          testId="figure-latency"
        />
        <Figure label={t('overview.figure.syncRuns')} value={st && n(st.runs)} note={st && t('overview.figure.syncOutcome', { succeeded: n(st.succeeded), failed: n(st.failed) })} testId="figure-syncs" />
      </section>

      <div className="grid-2">
        <Panel title={t('overview.messages.title', { bucket: bucketWord })} query={messages} empty={t('overview.messages.empty')} hasAny={!!messages.data && hasData(messages.data.points, ['sent', 'failed', 'unknown', 'expired'])}>
          {messageChart && <Chart times={messageChart.times} series={messageChart.series} label={t('overview.messages.title', { bucket: bucketWord })} summary={mt && t('overview.messages.summary', { sent: n(mt.sent), failed: n(mt.failed) })} />}
        </Panel>
        <MailingsByStatus />
        <Panel title={t('overview.webhooks.title', { bucket: bucketWord })} query={webhooks} empty={t('overview.webhooks.empty')} hasAny={!!wt && wt.attempts > 0}>
          {webhookChart && (
            <>
              <Chart times={webhookChart.times} series={webhookChart.series} label={t('overview.webhooks.title', { bucket: bucketWord })} summary={wt ? t('overview.webhooks.summary', { rate: formatShare(wt.success_rate, i18n.language), p50: formatDuration(wt.latency_p50_ms, i18n.language), p99: formatDuration(wt.latency_p99_ms, i18n.language) }) : undefined} />
              <small className="hint">{t('overview.webhooks.axes')}</small>
            </>
          )}
        </Panel>
        <Panel title={t('overview.syncs.title', { bucket: bucketWord })} query={syncs} empty={t('overview.syncs.empty')} hasAny={!!st && st.runs > 0}>
          {syncChart && <Chart times={syncChart.times} series={syncChart.series} label={t('overview.syncs.title', { bucket: bucketWord })} summary={st && t('overview.figure.syncOutcome', { succeeded: n(st.succeeded), failed: n(st.failed) })} />}
        </Panel>
        <ActiveMailings />
      </div>
    </section>
  );
}

function RangePicker({ range }: { range: ReturnType<typeof useRange> }) {
  const { t } = useTranslation();
  const zone = viewerTimeZone();
  return (
    <form className="range-picker toolbar" onSubmit={(e) => e.preventDefault()}>
      <label className="field">
        <span>{t('common.time.range')}</span>
        <select value={range.preset} onChange={(e) => range.setPreset(e.target.value as Preset | 'custom')}>
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              {t(`common.time.${PRESET_LABEL[p]}`)}
            </option>
          ))}
          <option value="custom">{t('overview.custom')}</option>
        </select>
      </label>
      {range.preset === 'custom' && range.custom && (
        <>
          <label className="field">
            <span>{t('overview.from')}</span>
            <input type="datetime-local" value={isoToLocalInput(range.custom.from, zone)} onChange={(e) => range.setCustom(localInputToIso(e.target.value, zone), range.custom!.to)} />
          </label>
          <label className="field">
            <span>{t('overview.to')}</span>
            <input type="datetime-local" value={isoToLocalInput(range.custom.to, zone)} onChange={(e) => range.setCustom(range.custom!.from, localInputToIso(e.target.value, zone))} />
          </label>
        </>
      )}
    </form>
  );
}

function Figure({ label, value, note, tone, testId }: { label: string; value: string | undefined; note?: string; tone?: 'ok' | 'bad'; testId: string }) {
  return (
    <article className={tone ? `figure-card figure-${tone}` : 'figure-card'} aria-busy={value === undefined}>
      <small>{label}</small>
      <span className="figure" data-testid={testId}>
        {value ?? '…'}
      </span>
      {note && <small className="muted">{note}</small>}
    </article>
  );
}

function Panel({ title, query, empty, hasAny, children }: { title: string; query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown }; empty: string; hasAny: boolean; children: ReactNode }) {
  return (
    <article>
      <h2 className="panel-title">{title}</h2>
      {query.isPending ? <Loading /> : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} /> : hasAny ? children : <Empty>{empty}</Empty>}
    </article>
  );
}

/** Every mailing by its status now, each a link to the list filtered by it. */
function MailingsByStatus() {
  const { t, i18n } = useTranslation();
  const byStatus = useQuery({ queryKey: key('/api/v1/stats/mailings/by-status'), queryFn: () => unwrap(api.GET('/api/v1/stats/mailings/by-status')), refetchInterval: 15_000 });
  return (
    <article>
      <h2 className="panel-title">{t('overview.mailings.title')}</h2>
      {byStatus.isPending ? (
        <Loading />
      ) : byStatus.isError ? (
        <ErrorState error={byStatus.error} onRetry={() => void byStatus.refetch()} />
      ) : byStatus.data.total === 0 ? (
        <Empty action={<Link to="/mailings/new">{t('mailings.new')}</Link>}>{t('overview.mailings.empty')}</Empty>
      ) : (
        <>
          <ul className="by-status">
            {MAILING_STATUSES.map((s) => (
              <li key={s}>
                <Link to={`/mailings?status=${s}`}>
                  <span className="figure" data-testid={`mailings-${s}`}>
                    {formatNumber(byStatus.data.counts[s], i18n.language)}
                  </span>
                  <StatusBadge status={s} label={t(`mailings.status.${s}`)} />
                </Link>
              </li>
            ))}
          </ul>
          <p className="muted">{t('overview.mailings.total', { count: byStatus.data.total })}</p>
        </>
      )}
    </article>
  );
}

/** The mailings running now with their progress (the first few), linking to each. */
function ActiveMailings() {
  const { t, i18n } = useTranslation();
  const running = useQuery({
    queryKey: key('/api/v1/stats/mailings', { status: 'running', limit: 5 }),
    queryFn: () => unwrap(api.GET('/api/v1/stats/mailings', { params: { query: { status: 'running', limit: 5 } } })),
    refetchInterval: 5_000,
  });
  const items: Schemas['MailingOverviewItem'][] = running.data?.items ?? [];
  return (
    <article>
      <h2 className="panel-title">{t('overview.active.title')}</h2>
      {running.isPending ? (
        <Loading />
      ) : running.isError ? (
        <ErrorState error={running.error} onRetry={() => void running.refetch()} />
      ) : items.length === 0 ? (
        <Empty>{t('overview.active.empty')}</Empty>
      ) : (
        <ul className="active-mailings">
          {items.map((item) => {
            const { done, share } = progressShare(item.counts, item.total);
            return (
              <li key={item.mailing.id}>
                <Link to={`/mailings/${item.mailing.id}`}>
                  <strong>#{item.mailing.id}</strong> <span className="excerpt">{item.mailing.text}</span>
                </Link>
                <progress value={done} max={Math.max(item.total, 1)} aria-label={t('mailings.progress.share', { share: formatShare(share, i18n.language) })} />
                <small>{t('mailings.list.sentOf', { sent: formatNumber(item.counts.sent, i18n.language), total: formatNumber(item.total, i18n.language) })}</small>
              </li>
            );
          })}
        </ul>
      )}
    </article>
  );
}
