/** A status word with a colour by kind (the word itself is the API's value, shown as is and readable). */
const TONE: Record<string, string> = {
  sent: 'ok', completed: 'ok', succeeded: 'ok', delivered: 'ok', enabled: 'ok', active: 'ok',
  running: 'busy', sending: 'busy', materializing: 'busy', pending: 'busy', scheduled: 'idle', paused: 'warn',
  'waiting-window': 'idle', 'retry-wait': 'warn', unknown: 'warn', expired: 'warn',
  failed: 'bad', cancelled: 'idle', disabled: 'bad', exhausted: 'bad',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge badge-${TONE[status] ?? 'idle'}`}>{label ?? status}</span>;
}
