import { createIntegrationActivities, type IntegrationActivityDeps } from './integration.activities';
import { createMailingActivities, type MailingActivityDeps } from './mailing.activities';
import { createWebhookActivities, type WebhookActivityDeps } from './webhook.activities';

export type ActivityDeps = MailingActivityDeps & WebhookActivityDeps & IntegrationActivityDeps;

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMailingActivities(deps), ...createWebhookActivities(deps), ...createIntegrationActivities(deps) };
}
