import { useTranslation } from 'react-i18next';
import { splitInterval, type Schedule } from './schedule';

/** "every 2 h", or the cron expression and its time zone. */
export function ScheduleSummary({ schedule }: { schedule: Schedule }) {
  const { t } = useTranslation();
  if (schedule.kind === 'interval') {
    const { amount, unit } = splitInterval(schedule.every_seconds);
    return <span>{t(`integrations.schedule.everyN.${unit}`, { count: amount })}</span>;
  }
  return (
    <span>
      <code>{schedule.cron}</code> ({schedule.timezone ?? 'UTC'})
    </span>
  );
}
