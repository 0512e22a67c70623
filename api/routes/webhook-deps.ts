import type { Client } from '@temporalio/client';
import type { SecretBox } from '../../lib/crypto/secret-box';
import type { Db } from '../../lib/db/connect';
import { findEndpoint } from '../../lib/db/webhook-endpoint.repository';
import type { WebhookEndpointRow } from '../../lib/db/webhook-tables';
import { assertSafeUrl, UnsafeUrlError, type UrlPolicy } from '../../lib/net/ssrf';
import type { WebhookWorkflowOptions } from '../../lib/temporal/webhook-workflows';
import type { EventPublisher } from '../../lib/webhooks/publisher';
import { NotFoundError, ValidationError } from '../errors';

/** What the webhook routes share. */
export interface WebhookRouteDeps {
  db: Db;
  temporal: Client;
  options: WebhookWorkflowOptions;
  events: EventPublisher;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  /** Pending deliveries beyond which publishing answers 429 (0 = no limit). */
  maxBacklog: number;
}

export async function loadEndpoint(db: Db, id: number): Promise<WebhookEndpointRow> {
  const row = await findEndpoint(db, id);
  if (!row) throw new NotFoundError(`webhook endpoint ${id}`);
  return row;
}

/** Refuses URLs that resolve to loopback, private, link-local or metadata addresses (unless allowlisted). */
export async function assertEndpointUrl(url: string, policy: UrlPolicy): Promise<void> {
  try {
    await assertSafeUrl(url, policy);
  } catch (err) {
    if (err instanceof UnsafeUrlError) throw new ValidationError([{ path: 'body.url', message: err.reason }]);
    throw err;
  }
}
