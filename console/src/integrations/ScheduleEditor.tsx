import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '../components/Field';
import { Time } from '../components/Time';
import { RelayProblem } from '../api';
import { knownTimeZones } from '../lib/time-zones';
import { INTERVAL_UNITS, previewRuns, scheduleFromDraft, type IntervalUnit, type Schedule, type ScheduleDraft } from './schedule';

/** The schedule paths this editor shows next to its fields (for ProblemAlert's `shown`). */
export const SCHEDULE_FIELDS = ['schedule', 'schedule.every_seconds', 'schedule.cron', 'schedule.timezone', 'schedule.kind'];

/** Every N seconds/minutes/hours/days, or a cron expression in a time zone; with a preview of the next runs. */
export function ScheduleEditor({ draft, onChange, error }: { draft: ScheduleDraft; onChange: (draft: ScheduleDraft) => void; error: unknown }) {
  const { t } = useTranslation();
  const set = <K extends keyof ScheduleDraft>(name: K, value: ScheduleDraft[K]) => onChange({ ...draft, [name]: value });
  const problem = error instanceof RelayProblem ? error : null;
  const whole = problem?.fieldError('schedule') ?? problem?.fieldError('schedule.kind');
  return (
    <fieldset className="schedule-editor">
      <legend>{t('integrations.schedule.title')}</legend>
      <div role="radiogroup" aria-label={t('integrations.schedule.kind')} className="toolbar">
        {(['interval', 'cron'] as const).map((kind) => (
          <label key={kind}>
            <input type="radio" name="schedule-kind" value={kind} checked={draft.kind === kind} onChange={() => set('kind', kind)} />
            {t(`integrations.schedule.kinds.${kind}`)}
          </label>
        ))}
      </div>
      {draft.kind === 'interval' ? (
        <div className="grid">
          <Field label={t('integrations.schedule.every')} name="schedule.every_seconds" error={error} hint={t('integrations.schedule.everyHint')}>
            <input type="number" min={1} step="any" inputMode="decimal" value={draft.amount} onChange={(e) => set('amount', e.target.value)} />
          </Field>
          <Field label={t('integrations.schedule.unit')} name="schedule.unit" error={error}>
            <select value={draft.unit} onChange={(e) => set('unit', e.target.value as IntervalUnit)}>
              {(Object.keys(INTERVAL_UNITS) as IntervalUnit[]).map((unit) => (
                <option key={unit} value={unit}>
                  {t(`integrations.schedule.units.${unit}`)}
                </option>
              ))}
            </select>
          </Field>
        </div>
      ) : (
        <div className="grid">
          <Field label={t('integrations.schedule.cron')} name="schedule.cron" error={error} hint={t('integrations.schedule.cronHint')}>
            <input value={draft.cron} spellCheck={false} autoComplete="off" className="mono" onChange={(e) => set('cron', e.target.value)} />
          </Field>
          <Field label={t('integrations.schedule.timezone')} name="schedule.timezone" error={error} hint={t('integrations.schedule.timezoneHint')}>
            <input list="schedule-time-zones" value={draft.timezone} onChange={(e) => set('timezone', e.target.value)} />
          </Field>
          <datalist id="schedule-time-zones">
            {knownTimeZones().map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </div>
      )}
      {whole && (
        <small className="field-error" role="alert">
          {whole}
        </small>
      )}
      <NextRunsPreview schedule={scheduleFromDraft(draft)} />
    </fieldset>
  );
}

/** The next runs the editor's schedule would have (computed here; the saved integration shows Temporal's own). */
function NextRunsPreview({ schedule }: { schedule: Schedule }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);
  let runs: Date[] | null = null;
  try {
    runs = previewRuns(schedule, now, 5);
  } catch {
    runs = null; // an unknown time zone: the API will say so
  }
  return (
    <div className="next-runs" aria-live="polite">
      <small>{t('integrations.schedule.preview')}</small>
      {runs === null || runs.length === 0 ? (
        <p className="note">{t('integrations.schedule.noPreview')}</p>
      ) : (
        <ol>
          {runs.map((run) => (
            <li key={run.getTime()}>
              <Time value={run.toISOString()} />
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
