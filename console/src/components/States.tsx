import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { RelayProblem } from '../api';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p aria-busy="true" role="status">
      {label ?? t('common.states.loading')}
    </p>
  );
}

/** What the list would show, and what to do next. */
export function Empty({ children, action }: { children?: ReactNode; action?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="empty" role="status">
      <p>{children ?? t('common.states.empty')}</p>
      {action}
    </div>
  );
}

/** A failure with the API's own words (problem+json detail and request id). */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const problem = error instanceof RelayProblem ? error : null;
  return (
    <div className="problem" role="alert">
      <strong>{problem?.title ?? t('common.states.error')}</strong>
      {problem?.detail && <p>{problem.detail}</p>}
      {!problem && error instanceof Error && <p>{error.message}</p>}
      {problem?.requestId && <small>{t('common.states.requestId', { id: problem.requestId })}</small>}
      {onRetry && (
        <p>
          <button type="button" className="secondary" onClick={onRetry}>
            {t('common.actions.refresh')}
          </button>
        </p>
      )}
    </div>
  );
}
