import { createMailingActivities, type MailingActivityDeps } from './mailing.activities';

export type ActivityDeps = MailingActivityDeps;

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMailingActivities(deps) };
}
