import { useMutation } from '@tanstack/react-query';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, RelayProblem, unwrap, type Schemas } from '../api';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatUtc, localInputToIso, utcOffset, viewerTimeZone } from '../lib/format';
import { FilterBuilder } from './FilterBuilder';
import { createBody, draftFromMailing, editableFields, MAX_RATE, MAX_TEXT, MIN_RATE, newDraft, patchBody, textStats, type EditableField, type LocalError, type MailingDraft } from './mailing-form';
import { MatchPreview } from './MatchPreview';
import { crossesMidnight, formatMinutes, readSendWindow, windowMinutes } from './send-window';
import { invalidateMailings } from './use-live-progress';

type Mailing = Schemas['Mailing'];
const FIELDS = ['text', 'starts_at', 'ends_at', 'send_window.from', 'send_window.to', 'send_rate_per_s'];

/**
 * Create a mailing, or change one (only what changed and what its status still allows). The start and end are read
 * in the viewer's time zone (shown, with the UTC instant); the send window is in each client's own local time; the
 * preview counts the clients the filter matches before anything is saved; the optional rate cap (messages per second)
 * stays editable until the mailing finishes. Errors appear next to their fields.
 */
export function MailingForm({ mailing, onSaved }: { mailing?: Mailing; onSaved: (saved: Mailing) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const zone = viewerTimeZone();
  const [draft, setDraft] = useState<MailingDraft>(() => (mailing ? draftFromMailing(mailing, zone) : newDraft(new Date(), zone)));
  const [unchanged, setUnchanged] = useState(false);
  const editable = useMemo(() => (mailing ? editableFields(mailing.status) : editableFields('scheduled')), [mailing]);
  const can = (field: EditableField) => editable.has(field);

  const localProblem = (errors: LocalError[]) =>
    new RelayProblem(400, {
      title: t('mailings.form.checkFields'),
      errors: errors.map((e) => ({
        path: e.path,
        message:
          e.message === 'required'
            ? t('mailings.form.required')
            : e.message === 'rate'
              ? t('mailings.rate.invalid')
              : e.message === 'same'
                ? t('mailings.window.same')
                : t('mailings.window.invalidTime'),
      })),
    });

  // asDraft: a new mailing saved as a draft (no workflow until it is scheduled from its page).
  const save = useMutation({
    mutationFn: async (asDraft: boolean): Promise<Mailing | null> => {
      if (!mailing) {
        const built = createBody(draft, zone);
        if ('errors' in built) throw localProblem(built.errors);
        return unwrap(api.POST('/api/v1/mailings', { body: asDraft ? { ...built.body, draft: true } : built.body }));
      }
      const built = patchBody(draft, mailing, zone);
      if ('errors' in built) throw localProblem(built.errors);
      if (Object.keys(built.body).length === 0) return null;
      return unwrap(api.PATCH('/api/v1/mailings/{id}', { params: { path: { id: mailing.id } }, body: built.body }));
    },
    onSuccess: async (saved) => {
      if (saved === null) {
        setUnchanged(true);
        return;
      }
      await invalidateMailings(queryClient);
      onSaved(saved);
    },
  });

  const set = <K extends keyof MailingDraft>(name: K, value: MailingDraft[K]) => {
    setUnchanged(false);
    setDraft((d) => ({ ...d, [name]: value }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(false);
  };

  const stats = textStats(draft.text);
  const window = readSendWindow(draft.windowEnabled, draft.windowFrom, draft.windowTo);
  const filterPaths = save.error instanceof RelayProblem ? save.error.errors.map((e) => e.path.replace(/^body\./, '')).filter((p) => p.startsWith('filter.')) : [];
  const locked = (field: EditableField) => (mailing && !can(field) ? t(mailing.status === 'running' || mailing.status === 'paused' ? 'mailings.form.lockedStarted' : 'mailings.form.lockedFinished') : null);

  const instantHint = (local: string) => {
    const iso = localInputToIso(local, zone);
    return (
      <>
        {t('mailings.form.inYourZone', { zone, offset: utcOffset(iso ? new Date(iso) : new Date(), zone) })}
        {iso && <> · {formatUtc(iso)}</>}
      </>
    );
  };

  return (
    <form onSubmit={submit} aria-label={mailing ? t('mailings.form.editTitle', { id: mailing.id }) : t('mailings.form.newTitle')} noValidate>
      <Field
        label={t('mailings.field.text')}
        name="text"
        error={save.error}
        hint={
          <span aria-live="polite" className={stats.length > MAX_TEXT ? 'over' : undefined}>
            {t('mailings.form.counter', { length: stats.length, max: MAX_TEXT })} · {stats.parts > 0 ? t('mailings.form.parts', { count: stats.parts, encoding: stats.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2' }) : t('mailings.form.noParts')}
            {locked('text') && <> · {locked('text')}</>}
          </span>
        }
      >
        <textarea rows={4} required value={draft.text} disabled={!can('text')} onChange={(e) => set('text', e.target.value)} />
      </Field>

      <div className="grid">
        <Field label={t('mailings.field.startsAt')} name="starts_at" error={save.error} hint={<>{instantHint(draft.startsLocal)}{locked('starts_at') && <><br />{locked('starts_at')}</>}</>}>
          <input type="datetime-local" required value={draft.startsLocal} disabled={!can('starts_at')} onChange={(e) => set('startsLocal', e.target.value)} />
        </Field>
        <Field label={t('mailings.field.endsAt')} name="ends_at" error={save.error} hint={<>{instantHint(draft.endsLocal)}{locked('ends_at') && <><br />{locked('ends_at')}</>}</>}>
          <input type="datetime-local" required value={draft.endsLocal} disabled={!can('ends_at')} onChange={(e) => set('endsLocal', e.target.value)} />
        </Field>
      </div>
      {!mailing && <small className="hint block">{t('mailings.form.startHint')}</small>}

      <fieldset className="form-section">
        <legend>{t('mailings.form.audience')}</legend>
        {locked('filter') && <p className="note">{locked('filter')}</p>}
        <div className="audience">
          <FilterBuilder filter={draft.filter} onChange={(f) => set('filter', f)} error={save.error} disabled={!can('filter')} />
          <MatchPreview filter={draft.filter} window={window.window} />
        </div>
      </fieldset>

      <fieldset className="form-section">
        <legend>{t('mailings.field.sendWindow')}</legend>
        <label>
          <input type="checkbox" role="switch" checked={draft.windowEnabled} disabled={!can('send_window')} onChange={(e) => set('windowEnabled', e.target.checked)} />
          {t('mailings.window.enable')}
        </label>
        <small className="hint block">{t('mailings.window.localTime')}</small>
        {draft.windowEnabled && (
          <>
            <div className="grid window-times">
              <Field label={t('mailings.window.from')} name="send_window.from" error={save.error}>
                <input type="time" required value={draft.windowFrom} disabled={!can('send_window')} onChange={(e) => set('windowFrom', e.target.value)} />
              </Field>
              <Field label={t('mailings.window.to')} name="send_window.to" error={save.error}>
                <input type="time" required value={draft.windowTo} disabled={!can('send_window')} onChange={(e) => set('windowTo', e.target.value)} />
              </Field>
            </div>
            {window.window && (
              <p className="note" aria-live="polite">
                {crossesMidnight(window.window)
                  ? t('mailings.window.crosses', { from: window.window.from, to: window.window.to, duration: formatMinutes(windowMinutes(window.window), { h: t('mailings.units.h'), min: t('mailings.units.min') }) })
                  : t('mailings.window.sameDay', { from: window.window.from, to: window.window.to, duration: formatMinutes(windowMinutes(window.window), { h: t('mailings.units.h'), min: t('mailings.units.min') }) })}{' '}
                {t('mailings.window.expiry')}
              </p>
            )}
          </>
        )}
      </fieldset>

      <div style={{ maxWidth: '28rem' }}>
        <Field label={t('mailings.field.sendRate')} name="send_rate_per_s" error={save.error} hint={<>{t('mailings.rate.hint')}{locked('send_rate_per_s') && <><br />{locked('send_rate_per_s')}</>}</>}>
          <input
            type="number"
            inputMode="numeric"
            min={MIN_RATE}
            max={MAX_RATE}
            step={1}
            value={draft.rate}
            disabled={!can('send_rate_per_s')}
            onChange={(e) => {
              const unreadable = e.target.validity.badInput;
              set('rate', e.target.value);
              set('rateUnreadable', unreadable);
            }}
          />
        </Field>
      </div>

      <ProblemAlert error={save.error} shown={[...FIELDS, ...filterPaths]} />
      {unchanged && (
        <p role="status" className="note">
          {t('mailings.form.unchanged')}
        </p>
      )}
      <div className="toolbar">
        <button type="submit" aria-busy={save.isPending && !save.variables} disabled={save.isPending || editable.size === 0}>
          {mailing ? t('common.actions.save') : t('mailings.form.create')}
        </button>
        {!mailing && (
          <button type="button" className="secondary outline" aria-busy={save.isPending && save.variables} disabled={save.isPending} onClick={() => save.mutate(true)}>
            {t('mailings.drafts.saveDraft')}
          </button>
        )}
      </div>
    </form>
  );
}
