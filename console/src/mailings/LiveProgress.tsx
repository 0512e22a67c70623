import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../api';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatNumber, formatShare, localClock } from '../lib/format';
import { formatRelative, MESSAGE_STATUSES, progressShare, zoneList, type MessageStatus } from './progress';
import type { LiveMode } from './use-live-progress';

type Progress = Schemas['MailingProgress'];
type Group = Schemas['MailingZoneGroup'];

const PHASES = ['draft', 'scheduled', 'materializing', 'sending', 'waiting-window', 'retry-wait', 'paused', 'finishing', 'cancelling', 'completed', 'cancelled', 'running'] as const;
type Phase = (typeof PHASES)[number];
const isPhase = (p: string): p is Phase => (PHASES as readonly string[]).includes(p);

/** The badge tone of a zone group's state (StatusBadge colours by status word). */
const GROUP_TONE: Record<Group['state'], string> = { open: 'sending', waiting: 'waiting-window', closed: 'expired', done: 'completed' };

function useNow(ms: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * A mailing's live progress: the workflow's phase (explained), a progress bar, the messages by status (each a button
 * that filters the messages table), the next wake-up, and the client time-zone groups with their send windows.
 */
export function LiveProgress({ progress, mode, onStatus }: { progress: Progress; mode: LiveMode; onStatus: (status: MessageStatus) => void }) {
  const { t, i18n } = useTranslation();
  const now = useNow(5_000);
  const { done, share } = progressShare(progress.counts, progress.total);
  const phase = isPhase(progress.phase) ? progress.phase : null;
  const n = (value: number) => formatNumber(value, i18n.language);
  return (
    <article className="live-progress" aria-labelledby="progress-title">
      <header className="progress-head">
        <h2 id="progress-title">{t('mailings.progress.title')}</h2>
        <span className={`live-mode live-${mode}`} role="status">
          {t(`mailings.progress.mode.${mode}`)}
        </span>
      </header>
      <p className="phase">
        <span className="muted">{t('mailings.progress.phase')}:</span>{' '}
        <StatusBadge status={progress.phase} label={phase ? t(`mailings.phase.${phase}.label`) : progress.phase} />{' '}
        {phase && <span data-testid="phase-explained">{t(`mailings.phase.${phase}.explain`)}</span>}
      </p>
      {!progress.live && mode !== 'idle' && phase !== 'draft' && <p className="note">{t('mailings.progress.notLive')}</p>}
      <div className="progress-bar">
        <progress value={done} max={Math.max(progress.total, 1)} aria-label={t('mailings.progress.share', { share: formatShare(share, i18n.language) })} />
        <span data-testid="progress-figures">
          {progress.total === 0
            ? t('mailings.progress.noMessages')
            : t('mailings.progress.doneOf', { done: n(done), total: n(progress.total), share: formatShare(share, i18n.language) })}
        </span>
      </div>
      <ul className="status-counts" aria-label={t('mailings.progress.byStatus')}>
        {MESSAGE_STATUSES.map((status) => (
          <li key={status}>
            <button type="button" className={`count-card count-${status}`} onClick={() => onStatus(status)} title={t(`mailings.messageStatus.${status}.explain`)} aria-describedby={`explain-${status}`}>
              <span className="figure" data-testid={`count-${status}`}>
                {n(progress.counts[status])}
              </span>
              <span>{t(`mailings.messageStatus.${status}.label`)}</span>
            </button>
          </li>
        ))}
      </ul>
      <details className="status-help">
        <summary>{t('mailings.progress.whatStatusesMean')}</summary>
        <dl>
          {MESSAGE_STATUSES.map((status) => (
            <div key={status}>
              <dt>{t(`mailings.messageStatus.${status}.label`)}</dt>
              <dd id={`explain-${status}`}>{t(`mailings.messageStatus.${status}.explain`)}</dd>
            </div>
          ))}
        </dl>
      </details>
      {progress.counts.unknown > 0 && <p className="note unknown-note">{t('mailings.progress.unknownNote', { count: progress.counts.unknown })}</p>}
      <p hidden={phase === 'draft'}>
        <span className="muted">{t('mailings.progress.nextWake')}:</span>{' '}
        {progress.next_wake_at ? (
          <>
            <Time value={progress.next_wake_at} /> ({formatRelative(progress.next_wake_at, now, i18n.language)})
          </>
        ) : (
          <span>{t(mode === 'idle' ? 'mailings.progress.noWakeFinished' : 'mailings.progress.noWake')}</span>
        )}
      </p>
    </article>
  );
}

/** The mailing's client time zones, grouped as its workflow sends them, with each group's send window now. */
export function ZoneGroups({ groups, finished }: { groups: Group[]; finished: boolean }) {
  const { t, i18n } = useTranslation();
  const now = useNow(15_000);
  return (
    <article aria-labelledby="groups-title" className="zone-groups-panel">
      <h2 id="groups-title">{t('mailings.groups.title')}</h2>
      {groups.length === 0 ? (
        <p className="note">{t(finished ? 'mailings.groups.noneFinished' : 'mailings.groups.none')}</p>
      ) : (
        <>
          <p className="muted">{t('mailings.groups.hint')}</p>
          <div className="table-wrap" role="region" aria-labelledby="groups-title" tabIndex={0}>
            <table className="striped zone-groups">
              <thead>
                <tr>
                  <th scope="col">{t('mailings.groups.zones')}</th>
                  <th scope="col">{t('mailings.groups.state')}</th>
                  <th scope="col">{t('mailings.groups.localNow')}</th>
                  <th scope="col">{t('mailings.groups.pending')}</th>
                  <th scope="col">{t('mailings.groups.messages')}</th>
                  <th scope="col">{t('mailings.groups.when')}</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((group) => {
                  const { names, more } = zoneList(group.timezones);
                  return (
                    <tr key={group.timezones.join(',') + group.state}>
                      <td title={group.timezones.join(', ')}>
                        {names.join(', ')}
                        {more > 0 && <small className="muted"> {t('mailings.groups.more', { count: more })}</small>}
                      </td>
                      <td>
                        <StatusBadge status={GROUP_TONE[group.state]} label={t(`mailings.groups.stateLabel.${group.state}`)} />
                      </td>
                      <td>{localClock(now, group.timezones[0])}</td>
                      <td>{formatNumber(group.pending, i18n.language)}</td>
                      <td>{formatNumber(group.messages, i18n.language)}</td>
                      <td>
                        {group.state === 'waiting' && group.opens_at && (
                          <>
                            {t('mailings.groups.opens')} <Time value={group.opens_at} /> ({formatRelative(group.opens_at, now, i18n.language)})
                          </>
                        )}
                        {group.state === 'open' && group.closes_at && (
                          <>
                            {t('mailings.groups.closes')} <Time value={group.closes_at} />
                          </>
                        )}
                        {group.state === 'closed' && t('mailings.groups.closedExplain')}
                        {group.state === 'done' && t('mailings.groups.doneExplain')}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </article>
  );
}
