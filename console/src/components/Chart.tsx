import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  /** Right-hand axis (e.g. latency beside counts). */
  right?: boolean;
  bars?: boolean;
}

/**
 * A time-series chart (uPlot): `times` in epoch seconds, one line or bar series each; resizes with its box. The
 * numbers are also in a visually hidden table for screen readers (`summary`).
 */
export function Chart({ times, series, height = 240, label, summary }: { times: number[]; series: Series[]; height?: number; label: string; summary?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const timeLabel = t('common.time.label');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const hasRight = series.some((s) => s.right);
    // Dates on the axis and in the legend in the viewer's language and zone (uPlot's own names are English).
    const span = times.length > 1 ? times[times.length - 1] - times[0] : 0;
    const tick = new Intl.DateTimeFormat(locale, span > 2 * 86_400 ? { day: 'numeric', month: 'short' } : { hour: '2-digit', minute: '2-digit' });
    const full = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const options: uPlot.Options = {
      width: Math.max(el.clientWidth, 280),
      height,
      scales: { x: { time: true }, y: { auto: true, range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] }, ...(hasRight ? { r: { auto: true } } : {}) },
      axes: [{ values: (_u, splits) => splits.map((v) => tick.format(v * 1_000)) }, { scale: 'y' }, ...(hasRight ? [{ scale: 'r', side: 1 as const, grid: { show: false } }] : [])],
      series: [
        { label: timeLabel, value: (_u, v) => (v === null || v === undefined ? '—' : full.format(v * 1_000)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? `${s.color}55` : undefined,
          scale: s.right ? 'r' : 'y',
          paths: s.bars ? uPlot.paths.bars?.({ size: [0.8, 40] }) : undefined,
          points: { show: times.length < 60 },
        })),
      ],
      legend: { live: true },
    };
    const plot = new uPlot(options, [times, ...series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 280), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, height, locale, timeLabel]);
  return (
    <figure className="chart">
      <div ref={box} role="img" aria-label={label} />
      {summary && <figcaption className="visually-hidden">{summary}</figcaption>}
    </figure>
  );
}
