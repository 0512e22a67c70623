import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api, unwrap, type Schemas } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { CopyButton } from '../components/CopyButton';
import { ReadOnlyNote } from '../components/Layout';
import { ProblemAlert } from '../components/ProblemAlert';
import { ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatNumber } from '../lib/format';
import { useSession } from '../session';
import { LiveProgress, ZoneGroups } from './LiveProgress';
import { MessagesTable } from './MessagesTable';
import { isFinished, temporalRunUrl, type MailingStatus, type MessageStatus } from './progress';
import { SentChart } from './SentChart';
import { AudienceSummary, WindowSummary } from './summaries';
import { TestSendDialog } from './TestSendDialog';
import { invalidateMailings, mailingKey, progressKey, useLiveProgress } from './use-live-progress';
import { useScheduleDraft } from './use-schedule-draft';

type Mailing = Schemas['Mailing'];

/** /mailings/:id — what the mailing is, its live progress, sent-over-time chart and messages, and its controls. */
export function MailingPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const valid = Number.isSafeInteger(id) && id > 0;
  const mailing = useQuery({
    queryKey: mailingKey(id),
    queryFn: () => unwrap(api.GET('/api/v1/mailings/{id}', { params: { path: { id } } })),
    enabled: valid,
  });
  if (!valid) return <h1>{t('common.states.notFound')}</h1>;
  if (mailing.isPending) return <Loading />;
  if (mailing.isError) return <ErrorState error={mailing.error} onRetry={() => void mailing.refetch()} />;
  return <MailingView mailing={mailing.data} />;
}

function MailingView({ mailing }: { mailing: Mailing }) {
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  // A notice handed over by the form, shown once: the history entry forgets it, so a reload does not repeat it.
  const [notice] = useState(() => (location.state as { notice?: 'created' | 'saved' | 'draft' } | null)?.notice);
  useEffect(() => {
    if (location.state) navigate(location.pathname, { replace: true, state: null });
  }, [location.state, location.pathname, navigate]);
  const [messageStatus, setMessageStatus] = useState<MessageStatus | undefined>();
  const progress = useLiveProgress(mailing.id, mailing.status);
  const status = mailing.status as MailingStatus;
  const showStatus = (s: MessageStatus | undefined) => {
    setMessageStatus(s);
    document.getElementById('messages')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };
  return (
    <section className="mailing-page">
      <div className="page-head">
        <h1>
          {t('mailings.detail.title', { id: mailing.id })} <StatusBadge status={status} label={t(`mailings.status.${status}`)} />
        </h1>
        <Link to="/mailings">{t('mailings.backToList')}</Link>
      </div>
      <ReadOnlyNote />
      {notice && (
        <p role="status" className="note">
          {t(notice === 'created' ? 'mailings.detail.created' : notice === 'draft' ? 'mailings.drafts.saved' : 'mailings.detail.saved')}
        </p>
      )}
      <Controls mailing={mailing} progress={progress.data} />
      <div className="grid-2 mailing-top">
        <article aria-labelledby="about-title">
          <h2 id="about-title">{t('mailings.detail.about')}</h2>
          <blockquote className="sms-text">{mailing.text}</blockquote>
          <dl className="facts">
            <dt>{t('mailings.field.startsAt')}</dt>
            <dd>
              <Time value={mailing.starts_at} />
            </dd>
            <dt>{t('mailings.field.endsAt')}</dt>
            <dd>
              <Time value={mailing.ends_at} />
            </dd>
            <dt>{t('mailings.field.audience')}</dt>
            <dd>
              <AudienceSummary filter={mailing.filter} />
            </dd>
            <dt>{t('mailings.field.sendWindow')}</dt>
            <dd>
              <WindowSummary window={mailing.send_window} />
            </dd>
            <dt>{t('mailings.field.sendRate')}</dt>
            <dd data-testid="send-rate">
              {mailing.send_rate_per_s === null ? (
                <span className="muted">{t('mailings.rate.none')}</span>
              ) : (
                formatNumber(mailing.send_rate_per_s, i18n.language)
              )}
            </dd>
            <dt>{t('mailings.field.workflow')}</dt>
            <dd className="workflow-id">
              {status === 'draft' ? (
                <span className="muted">{t('mailings.drafts.noWorkflow')}</span>
              ) : (
                <>
                  <code>{mailing.workflow_id}</code> <CopyButton text={mailing.workflow_id} />
                </>
              )}
            </dd>
            <dt>{t('mailings.field.created')}</dt>
            <dd>
              <Time value={mailing.created_at} />
            </dd>
          </dl>
        </article>
        {progress.isPending ? (
          <Loading />
        ) : progress.isError ? (
          <ErrorState error={progress.error} onRetry={() => void progress.refetch()} />
        ) : (
          <LiveProgress progress={progress.data} mode={progress.mode} onStatus={showStatus} />
        )}
      </div>
      {progress.data && <ZoneGroups groups={progress.data.groups} finished={progress.mode === 'idle'} />}
      <SentChart id={mailing.id} />
      <MessagesTable id={mailing.id} status={messageStatus} onStatus={setMessageStatus} counts={progress.data?.counts} />
    </section>
  );
}

/** Edit, pause / resume, cancel and delete (operators), and the run in the Temporal Web UI (everyone). */
function Controls({ mailing, progress }: { mailing: Mailing; progress: Schemas['MailingProgress'] | undefined }) {
  const { t } = useTranslation();
  const { session, can } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const finished = isFinished(mailing.status);
  const draft = mailing.status === 'draft';
  const schedule = useScheduleDraft(mailing.id);
  // The workflow's own flag answers first (the row's status follows once its activity wrote it).
  const paused = progress?.paused ?? mailing.status === 'paused';
  const control = useMutation({
    mutationFn: async (action: 'pause' | 'resume' | 'cancel' | 'delete') => {
      const params = { params: { path: { id: mailing.id } } };
      if (action === 'pause') queryClient.setQueryData(progressKey(mailing.id), await unwrap(api.POST('/api/v1/mailings/{id}/pause', params)));
      else if (action === 'resume') queryClient.setQueryData(progressKey(mailing.id), await unwrap(api.POST('/api/v1/mailings/{id}/resume', params)));
      else if (action === 'cancel') await unwrap(api.POST('/api/v1/mailings/{id}/cancel', params));
      else await unwrap(api.DELETE('/api/v1/mailings/{id}', params));
      return action;
    },
    onSuccess: async (action) => {
      if (action === 'delete') {
        queryClient.removeQueries({ queryKey: mailingKey(mailing.id) });
        navigate('/mailings', { replace: true });
      }
      await invalidateMailings(queryClient);
    },
  });
  const runUrl = draft ? null : temporalRunUrl(session?.temporal_ui_url, mailing.workflow_id);
  const busy = (action: string) => control.isPending && control.variables === action;
  return (
    <>
      <div className="toolbar mailing-controls" aria-label={t('mailings.detail.controls')}>
        {can('operator') && !finished && (
          <>
            <Link to={`/mailings/${mailing.id}/edit`} role="button" className="outline">
              {t('common.actions.edit')}
            </Link>
            {draft ? (
              <button type="button" aria-busy={schedule.isPending} disabled={schedule.isPending || control.isPending} onClick={() => schedule.mutate()}>
                {t('mailings.drafts.schedule')}
              </button>
            ) : paused ? (
              <button type="button" aria-busy={busy('resume')} disabled={control.isPending} onClick={() => control.mutate('resume')}>
                {t('mailings.actions.resume')}
              </button>
            ) : (
              <button type="button" className="secondary" aria-busy={busy('pause')} disabled={control.isPending} onClick={() => control.mutate('pause')}>
                {t('mailings.actions.pause')}
              </button>
            )}
            {!draft && (
              <ConfirmButton className="secondary outline" disabled={control.isPending} onConfirm={() => control.mutateAsync('cancel').catch(() => undefined)}>
                {t('mailings.actions.cancel')}
              </ConfirmButton>
            )}
          </>
        )}
        {can('operator') && <TestSendDialog mailingId={mailing.id} />}
        {can('operator') && (
          <ConfirmButton className="secondary outline danger" disabled={control.isPending} onConfirm={() => control.mutateAsync('delete').catch(() => undefined)}>
            {t('mailings.actions.delete')}
          </ConfirmButton>
        )}
        {runUrl && (
          <a href={runUrl} target="_blank" rel="noreferrer" className="temporal-link">
            {t('mailings.detail.temporal')} ↗
          </a>
        )}
      </div>
      {can('operator') && !finished && <small className="hint block">{t(draft ? 'mailings.drafts.hint' : 'mailings.detail.controlsHint')}</small>}
      {schedule.isSuccess && mailing.status !== 'draft' && (
        <p role="status" className="note">
          {t('mailings.drafts.scheduled')}
        </p>
      )}
      <ProblemAlert error={control.error ?? schedule.error} />
    </>
  );
}
