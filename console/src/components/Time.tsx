import { useTranslation } from 'react-i18next';
import { formatDateTime, formatUtc } from '../lib/format';

/** An instant in the viewer's time zone (or `timeZone`), with the exact UTC value on hover. */
export function Time({ value, timeZone }: { value: string | null | undefined; timeZone?: string }) {
  const { t, i18n } = useTranslation();
  if (!value) return <span>{t('common.time.never')}</span>;
  return (
    <time dateTime={value} title={formatUtc(value)}>
      {formatDateTime(value, i18n.language, timeZone)}
    </time>
  );
}
