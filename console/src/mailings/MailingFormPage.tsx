import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, unwrap } from '../api';
import { ReadOnlyNote } from '../components/Layout';
import { ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { useSession } from '../session';
import { MailingForm } from './MailingForm';
import { mailingKey } from './use-live-progress';

/** /mailings/new */
export function NewMailingPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { can } = useSession();
  return (
    <section>
      <div className="page-head">
        <h1>{t('mailings.form.newTitle')}</h1>
        <Link to="/mailings">{t('mailings.backToList')}</Link>
      </div>
      <ReadOnlyNote />
      {can('operator') && <MailingForm onSaved={(saved) => navigate(`/mailings/${saved.id}`, { state: { notice: saved.status === 'draft' ? 'draft' : 'created' } })} />}
    </section>
  );
}

/** /mailings/:id/edit */
export function EditMailingPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { can } = useSession();
  const id = Number(useParams().id);
  const valid = Number.isSafeInteger(id) && id > 0;
  const mailing = useQuery({ queryKey: mailingKey(id), queryFn: () => unwrap(api.GET('/api/v1/mailings/{id}', { params: { path: { id } } })), enabled: valid });
  if (!valid) return <h1>{t('common.states.notFound')}</h1>;
  return (
    <section>
      <div className="page-head">
        <h1>
          {t('mailings.form.editTitle', { id })} {mailing.data && <StatusBadge status={mailing.data.status} label={t(`mailings.status.${mailing.data.status as 'scheduled'}`)} />}
        </h1>
        <Link to={`/mailings/${id}`}>{t('mailings.backToMailing')}</Link>
      </div>
      <ReadOnlyNote />
      {mailing.isPending ? (
        <Loading />
      ) : mailing.isError ? (
        <ErrorState error={mailing.error} onRetry={() => void mailing.refetch()} />
      ) : (
        <>
          <p className="note">{t(`mailings.form.rules.${mailing.data.status as 'scheduled'}`)}</p>
          {can('operator') && <MailingForm key={mailing.data.updated_at} mailing={mailing.data} onSaved={() => navigate(`/mailings/${id}`, { state: { notice: 'saved' } })} />}
        </>
      )}
    </section>
  );
}
