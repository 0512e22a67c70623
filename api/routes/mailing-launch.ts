import type { Client } from '@temporalio/client';
import type { MailingRow } from '../../lib/db/database';
import { mailingWorkflowExists, startMailingWorkflow, type MailingWorkflowOptions } from '../../lib/temporal/mailing-workflows';
import { withTemporal } from '../temporal-errors';

/**
 * Starts the workflow of a mailing whose row is committed (created, or a draft just scheduled), so its first activity
 * always finds the row. If Temporal refuses the start, `undo` puts the row back as it was (the created row is
 * deleted, the draft is a draft again) and the error goes on (a 503): nothing is left half-done. An ambiguous failure
 * (a timeout) may still have started it: then the mailing is kept as it is.
 */
export async function launchMailing(temporal: Client, options: MailingWorkflowOptions, row: MailingRow, undo: () => Promise<unknown>): Promise<void> {
  try {
    await withTemporal('start', () => startMailingWorkflow(temporal, row, options));
  } catch (err) {
    if (await mailingWorkflowExists(temporal, row.id)) return;
    await undo();
    throw err;
  }
}
