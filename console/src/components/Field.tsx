import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from 'react';
import { RelayProblem } from '../api';

/**
 * A labelled form control with its hint and its error from the API's problem+json (matched by field path, e.g.
 * `phone` for `body.phone`). The control gets id, aria-invalid and aria-describedby wired up.
 */
export function Field({
  label,
  name,
  error,
  hint,
  children,
}: {
  label: ReactNode;
  name: string;
  error?: unknown;
  hint?: ReactNode;
  children: ReactElement<Record<string, unknown>>;
}) {
  const id = useId();
  const message = error instanceof RelayProblem ? error.fieldError(name) : undefined;
  const described = [hint ? `${id}-hint` : null, message ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  const control = isValidElement(children)
    ? cloneElement(children, { id, name, 'aria-invalid': message ? true : undefined, 'aria-describedby': described })
    : children;
  // The hint and the error sit outside the <label>, so the control's accessible name is the label alone; they are
  // announced through aria-describedby.
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {message && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {message}
        </small>
      )}
    </div>
  );
}
