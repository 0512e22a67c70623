import { useTranslation } from 'react-i18next';
import { isAnyFilter, type MailingFilter } from './filter';
import { crossesMidnight, type SendWindow } from './send-window';

/** "Operator codes 916, 903 · tags vip" or "All clients". */
export function AudienceSummary({ filter }: { filter: MailingFilter }) {
  const { t } = useTranslation();
  if (isAnyFilter(filter)) return <span>{t('mailings.filter.allClients')}</span>;
  const tag = (value: string) => (value === '' ? t('mailings.filter.noTag') : value);
  return (
    <span className="audience-summary">
      {filter.operator_codes.length > 0 && <span>{t('mailings.filter.codesList', { values: filter.operator_codes.join(', ') })}</span>}
      {filter.operator_codes.length > 0 && filter.tags.length > 0 && ' · '}
      {filter.tags.length > 0 && <span>{t('mailings.filter.tagsList', { values: filter.tags.map(tag).join(', ') })}</span>}
    </span>
  );
}

/** "09:00–21:00 local" (with "crosses midnight"), or "Any time". */
export function WindowSummary({ window }: { window: SendWindow | null }) {
  const { t } = useTranslation();
  if (!window) return <span>{t('mailings.window.anyTime')}</span>;
  return (
    <span>
      {t('mailings.window.summary', { from: window.from, to: window.to })}
      {crossesMidnight(window) && <small className="muted"> ({t('mailings.window.crossesShort')})</small>}
    </span>
  );
}
