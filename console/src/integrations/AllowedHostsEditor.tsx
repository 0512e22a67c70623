import { useTranslation } from 'react-i18next';
import { RelayProblem } from '../api';

/** The paths this editor shows (allowed_hosts and allowed_hosts.<n>), for ProblemAlert's `shown`. */
export const allowedHostsPaths = (count: number): string[] => ['allowed_hosts', ...Array.from({ length: count }, (_, i) => `allowed_hosts.${i}`)];

/** The hosts a credential may be sent to: one input per host, each with its own error from the API. */
export function AllowedHostsEditor({ hosts, onChange, error, disabled }: { hosts: string[]; onChange: (hosts: string[]) => void; error: unknown; disabled?: boolean }) {
  const { t } = useTranslation();
  const problem = error instanceof RelayProblem ? error : null;
  const whole = problem?.fieldError('allowed_hosts');
  return (
    <fieldset className="allowed-hosts" aria-describedby="allowed-hosts-hint">
      <legend>{t('integrations.credentials.allowedHosts')}</legend>
      <small id="allowed-hosts-hint" className="hint">
        {t('integrations.credentials.allowedHostsHint')}
      </small>
      {hosts.map((host, i) => {
        const message = problem?.fieldError(`allowed_hosts.${i}`);
        const id = `allowed-host-${i}`;
        return (
          <div key={i} className="host-row">
            <label htmlFor={id} className="visually-hidden">
              {t('integrations.credentials.hostN', { n: i + 1 })}
            </label>
            <input
              id={id}
              value={host}
              disabled={disabled}
              placeholder="api.example.com"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={message ? true : undefined}
              aria-describedby={message ? `${id}-error` : undefined}
              onChange={(e) => onChange(hosts.map((h, j) => (j === i ? e.target.value : h)))}
            />
            <button
              type="button"
              className="outline secondary"
              disabled={disabled || hosts.length === 1}
              aria-label={t('integrations.credentials.removeHost', { host: host || t('integrations.credentials.hostN', { n: i + 1 }) })}
              onClick={() => onChange(hosts.filter((_, j) => j !== i))}
            >
              {t('integrations.schemaForm.remove')}
            </button>
            {message && (
              <small id={`${id}-error`} className="field-error" role="alert">
                {message}
              </small>
            )}
          </div>
        );
      })}
      {whole && (
        <small className="field-error" role="alert">
          {whole}
        </small>
      )}
      <button type="button" className="outline" disabled={disabled || hosts.length >= 20} onClick={() => onChange([...hosts, ''])}>
        {t('integrations.credentials.addHost')}
      </button>
    </fieldset>
  );
}
