import { createClientImportActivities } from './client-import.activities';
import { createIntegrationActivities, type IntegrationActivityDeps } from './integration.activities';
import { createMailingActivities, type MailingActivityDeps } from './mailing.activities';
import { createOccurrenceActivities, type OccurrenceActivityDeps } from './mailing-occurrence.activities';
import { createMailingTestActivities } from './mailing-test.activities';
import { createReportActivities, type ReportActivityDeps } from './report.activities';
import { createWebhookActivities, type WebhookActivityDeps } from './webhook.activities';

export type ActivityDeps = MailingActivityDeps & WebhookActivityDeps & IntegrationActivityDeps & OccurrenceActivityDeps & ReportActivityDeps;

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMailingActivities(deps), ...createWebhookActivities(deps), ...createIntegrationActivities(deps), ...createOccurrenceActivities(deps), ...createMailingTestActivities(deps), ...createReportActivities(deps), ...createClientImportActivities(deps) };
}
