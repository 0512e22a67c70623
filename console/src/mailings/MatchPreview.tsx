import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, key, unwrap } from '../api';
import { formatNumber } from '../lib/format';
import { countBody, isAnyFilter, type MailingFilter } from './filter';
import { useFacets } from './FilterBuilder';
import { formatMinutes, zoneWindowNow, type SendWindow } from './send-window';

const DEBOUNCE_MS = 350;
const ZONES_SHOWN = 6;

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  const json = JSON.stringify(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [json, ms]);
  return debounced;
}

/**
 * How many clients the filter matches now (asked of the API as the choice changes, debounced), of how many, and in
 * which time zones: each zone's local time now and whether the send window is open there.
 */
export function MatchPreview({ filter, window }: { filter: MailingFilter; window: SendWindow | null }) {
  const { t, i18n } = useTranslation();
  const facets = useFacets();
  const body = useDebounced(countBody(filter), DEBOUNCE_MS);
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const count = useQuery({
    queryKey: key('/api/v1/clients/count', body),
    queryFn: () => unwrap(api.POST('/api/v1/clients/count', { body })),
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  const pending = count.isFetching || JSON.stringify(body) !== JSON.stringify(countBody(filter));
  const units = { h: t('mailings.units.h'), min: t('mailings.units.min') };
  const zones = count.data?.timezones ?? [];
  return (
    <section className="match-preview" aria-labelledby="match-preview-title" aria-busy={pending}>
      <h3 id="match-preview-title">{t('mailings.preview.title')}</h3>
      <p role="status" aria-live="polite" className="match-count">
        {count.isError ? (
          <span className="field-error">{t('mailings.preview.failed', { detail: count.error instanceof Error ? count.error.message : '' })}</span>
        ) : count.data === undefined ? (
          t('common.states.loading')
        ) : (
          <>
            <strong data-testid="match-count">{t('mailings.preview.count', { count: count.data.count, formatted: formatNumber(count.data.count, i18n.language) })}</strong>{' '}
            {facets.data && (
              <span className="muted">
                {isAnyFilter(filter) ? t('mailings.preview.everyone') : t('mailings.preview.ofTotal', { total: formatNumber(facets.data.total, i18n.language) })}
              </span>
            )}
          </>
        )}
      </p>
      {count.data?.count === 0 && <p className="note">{t('mailings.preview.none')}</p>}
      {zones.length > 0 && (
        <div className="table-wrap">
          <table className="zones">
            <caption className="visually-hidden">{t('mailings.preview.zonesCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('mailings.field.timezone')}</th>
                <th scope="col">{t('mailings.preview.clients')}</th>
                <th scope="col">{t('mailings.preview.localNow')}</th>
                <th scope="col">{t('mailings.preview.window')}</th>
              </tr>
            </thead>
            <tbody>
              {zones.slice(0, ZONES_SHOWN).map((zone) => {
                const state = zoneWindowNow(window, zone.timezone, now);
                return (
                  <tr key={zone.timezone}>
                    <td>{zone.timezone}</td>
                    <td>{formatNumber(zone.count, i18n.language)}</td>
                    <td>{state.clock}</td>
                    <td>
                      {!window
                        ? t('mailings.preview.anyTime')
                        : state.open
                          ? t('mailings.preview.openFor', { duration: formatMinutes(state.closesInMinutes ?? 0, units) })
                          : t('mailings.preview.opensIn', { duration: formatMinutes(state.opensInMinutes, units) })}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {zones.length > ZONES_SHOWN && <small className="hint">{t('mailings.preview.moreZones', { count: zones.length - ZONES_SHOWN })}</small>}
        </div>
      )}
    </section>
  );
}
