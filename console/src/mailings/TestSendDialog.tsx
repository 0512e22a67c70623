import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, RelayProblem, unwrap, type Schemas } from '../api';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { StatusBadge } from '../components/StatusBadge';
import { formatDuration } from '../lib/format';

type Result = Schemas['MailingTestSendResult'];

/** The phones typed in the dialog: one per line or separated by commas, semicolons or spaces. */
export const parsePhones = (text: string): string[] => text.split(/[\s,;]+/).filter((p) => p !== '');

/**
 * "Send test": a modal dialog that sends the mailing's text now to the phones typed (POST /mailings/{id}/test) and
 * shows each provider answer. Errors of one phone (body.phones.2) are shown with that phone, next to the field.
 */
export function TestSendDialog({ mailingId }: { mailingId: number }) {
  const { t, i18n } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const send = useMutation({
    mutationFn: (phones: string[]) => unwrap(api.POST('/api/v1/mailings/{id}/test', { params: { path: { id: mailingId } }, body: { phones } })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate(parsePhones(text));
  };
  const phoneErrors =
    send.error instanceof RelayProblem
      ? send.error.errors
          .map((err) => ({ match: /^body\.phones\.(\d+)$/.exec(err.path), message: err.message }))
          .filter((x) => x.match)
          .map((x) => `${send.variables?.[Number(x.match![1])] ?? x.match![1]}: ${x.message}`)
      : [];
  const shown = ['phones', ...(send.variables ?? []).map((_, i) => `phones.${i}`)];

  return (
    <>
      <button type="button" className="secondary outline" onClick={() => dialog.current?.showModal()}>
        {t('mailings.test.open')}
      </button>
      <dialog ref={dialog} aria-labelledby={`test-title-${mailingId}`} className="test-send">
        <article>
          <header>
            <strong id={`test-title-${mailingId}`}>{t('mailings.test.title', { id: mailingId })}</strong>
          </header>
          <p>
            <small>{t('mailings.test.hint')}</small>
          </p>
          <form onSubmit={submit} noValidate>
            <Field label={t('mailings.test.phones')} name="phones" error={send.error} hint={t('mailings.test.phonesHint')}>
              <textarea rows={3} value={text} placeholder="79001234567" onChange={(e) => setText(e.target.value)} />
            </Field>
            {phoneErrors.length > 0 && (
              <ul className="field-error" role="alert">
                {phoneErrors.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            )}
            <ProblemAlert error={send.error} shown={shown} />
            <div className="toolbar">
              <button type="submit" aria-busy={send.isPending} disabled={send.isPending}>
                {send.isPending ? t('mailings.test.sending') : t('mailings.test.send')}
              </button>
              <button type="button" className="outline" onClick={() => dialog.current?.close()}>
                {t('mailings.test.close')}
              </button>
            </div>
          </form>
          {send.data && <Results results={send.data.results} locale={i18n.language} />}
        </article>
      </dialog>
    </>
  );
}

function Results({ results, locale }: { results: Result[]; locale: string }) {
  const { t } = useTranslation();
  return (
    <section className="test-result" aria-live="polite" aria-label={t('mailings.test.results')}>
      <h3>{t('mailings.test.results')}</h3>
      <div className="overflow-auto">
        <table className="striped" data-testid="test-send-results">
          <thead>
            <tr>
              <th scope="col">{t('mailings.test.phone')}</th>
              <th scope="col">{t('mailings.test.outcome')}</th>
              <th scope="col">{t('mailings.test.statusCode')}</th>
              <th scope="col">{t('mailings.test.messageId')}</th>
              <th scope="col">{t('mailings.test.duration')}</th>
              <th scope="col">{t('mailings.test.error')}</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={r.phone}>
                <td>{r.phone}</td>
                <td>
                  <StatusBadge status={r.outcome} label={t(`mailings.test.outcomes.${r.outcome}`)} />
                </td>
                <td>{r.status_code ?? '—'}</td>
                <td>
                  <code>{r.provider_message_id}</code>
                </td>
                <td className="nowrap">{r.duration_ms === null ? '—' : formatDuration(r.duration_ms, locale)}</td>
                <td>{r.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
