// Workflow bundle entry: deterministic code only.
export { mailingWorkflow } from './mailing.workflow';
