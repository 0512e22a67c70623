import { useTranslation } from 'react-i18next';
import { RelayProblem } from '../api';

/**
 * A failed write: the problem's detail, and the field errors that no field of the form shows itself (`shown` lists
 * the field paths the form renders next to their inputs).
 */
export function ProblemAlert({ error, shown = [] }: { error: unknown; shown?: string[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  const problem = error instanceof RelayProblem ? error : null;
  const rest = problem?.errors.filter((e) => !shown.includes(e.path.replace(/^(body|query|params)\./, ''))) ?? [];
  return (
    <div className="problem" role="alert">
      <strong>{problem?.title ?? t('common.states.error')}</strong>
      <p>{problem?.detail ?? (error instanceof Error ? error.message : String(error))}</p>
      {rest.length > 0 && (
        <ul>
          {rest.map((e) => (
            <li key={e.path + e.message}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {problem?.requestId && <small>{t('common.states.requestId', { id: problem.requestId })}</small>}
    </div>
  );
}
