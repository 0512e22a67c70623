// Workflow bundle entry: deterministic code only.
export { mailingWorkflow } from './mailing.workflow';
export { mailingTestWorkflow } from './mailing-test.workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery.workflow';
export { webhookDispatcherWorkflow } from './webhook-dispatcher.workflow';
export { webhookDispatchSweepWorkflow, webhookRecoverWorkflow, webhookRetentionWorkflow } from './webhook-maintenance.workflow';
export { integrationSyncWorkflow, syncAllIntegrationsWorkflow } from './integration-sync.workflow';
export { mailingOccurrenceWorkflow } from './mailing-occurrence.workflow';
export { dailyReportWorkflow, scheduledDailyReportWorkflow } from './daily-report.workflow';
export { clientImportWorkflow } from './client-import.workflow';
