import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, key, unwrap } from '../api';
import { Chart, type Series } from '../components/Chart';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatNumber } from '../lib/format';
import { hasData, seriesColumns, SERIES_COLOURS } from './progress';

const KEYS = ['sent', 'failed', 'unknown', 'expired', 'cancelled'] as const;

/**
 * A mailing's messages reaching a final status over time (the API's per-minute timeline), as running totals or per
 * minute; re-read whenever the live progress changes (see useLiveProgress).
 */
export function SentChart({ id }: { id: number }) {
  const { t, i18n } = useTranslation();
  const [cumulative, setCumulative] = useState(true);
  const timeline = useQuery({
    queryKey: key('/api/v1/mailings/{id}/timeline', { id }),
    queryFn: () => unwrap(api.GET('/api/v1/mailings/{id}/timeline', { params: { path: { id } } })),
  });
  const chart = useMemo(() => {
    if (!timeline.data) return null;
    const shown = KEYS.filter((k) => k === 'sent' || hasData(timeline.data.points, [k]));
    const { times, values } = seriesColumns(timeline.data, [...shown], cumulative);
    const series: Series[] = shown.map((k) => ({ label: t(`mailings.messageStatus.${k}.label`), values: values[k], color: SERIES_COLOURS[k], bars: !cumulative }));
    return { times, series };
  }, [timeline.data, cumulative, t]);
  const totals = timeline.data?.totals;
  return (
    <article aria-labelledby="chart-title">
      <header className="progress-head">
        <h2 id="chart-title">{t('mailings.chart.title')}</h2>
        <fieldset className="segmented" aria-label={t('mailings.chart.mode')}>
          <label>
            <input type="radio" name="chart-mode" checked={cumulative} onChange={() => setCumulative(true)} /> {t('mailings.chart.cumulative')}
          </label>
          <label>
            <input type="radio" name="chart-mode" checked={!cumulative} onChange={() => setCumulative(false)} /> {t('mailings.chart.perMinute')}
          </label>
        </fieldset>
      </header>
      {timeline.isPending ? (
        <Loading />
      ) : timeline.isError ? (
        <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />
      ) : !chart || !hasData(timeline.data.points, [...KEYS]) ? (
        <Empty>{t('mailings.chart.empty')}</Empty>
      ) : (
        <Chart
          times={chart.times}
          series={chart.series}
          height={220}
          label={t('mailings.chart.title')}
          summary={totals ? KEYS.map((k) => `${t(`mailings.messageStatus.${k}.label`)}: ${formatNumber(totals[k], i18n.language)}`).join(', ') : undefined}
        />
      )}
    </article>
  );
}
