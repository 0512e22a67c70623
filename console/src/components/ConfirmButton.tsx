import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A button that asks once more ("Are you sure?") before `onConfirm`; busy while it runs. */
export function ConfirmButton({
  children,
  onConfirm,
  className = 'secondary',
  disabled,
}: {
  children: ReactNode;
  onConfirm: () => Promise<unknown> | void;
  className?: string;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button type="button" className={className} disabled={disabled} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span role="group" className="confirm">
      <span>{t('common.actions.areYouSure')}</span>{' '}
      <button
        type="button"
        className={className}
        aria-busy={busy}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {t('common.actions.confirm')}
      </button>{' '}
      <button type="button" className="outline" onClick={() => setAsking(false)}>
        {t('common.actions.cancel')}
      </button>
    </span>
  );
}
