import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks secrets: `whsec_` + base64 of 24 to 64 random bytes. */
export const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

export function generateSecret(bytes = 32): string {
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`;
}

const B64 = '[A-Za-z0-9+/]';
/**
 * `whsec_` + padded base64 of 24 to 64 bytes, as one regular expression (also the OpenAPI pattern, so what the
 * document promises is exactly what is accepted): 8-20 groups of four with an optional 1- or 2-byte tail, or 21 groups
 * with an optional 1-byte tail.
 */
export const SECRET_PATTERN = `^whsec_(?:(?:${B64}{4}){8,20}(?:${B64}{2}==|${B64}{3}=)?|(?:${B64}{4}){21}(?:${B64}{2}==)?)$`;
const SECRET_REGEX = new RegExp(SECRET_PATTERN);

/** The HMAC key of a secret, or null when it is not `whsec_<base64 of 24-64 bytes>`. */
export function secretKey(secret: string): Buffer | null {
  if (!SECRET_REGEX.test(secret)) return null;
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES ? key : null;
}

export const isValidSecret = (secret: string): boolean => secretKey(secret) !== null;

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per secret, space-separated (several during a rotation). */
export function signatureHeader(msgId: string, timestampSeconds: number, body: string, secrets: readonly string[]): string {
  const signed = `${msgId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => {
      const key = secretKey(secret);
      if (!key) throw new Error('invalid webhook secret');
      return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
    })
    .join(' ');
}

/** The three Standard Webhooks headers for one attempt. */
export function webhookHeaders(msgId: string, timestampSeconds: number, body: string, secrets: readonly string[]): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatureHeader(msgId, timestampSeconds, body, secrets),
  };
}

/** The message id receivers dedupe on: one per event, the same across retries and endpoints. */
export const webhookMessageId = (eventId: number): string => `msg_${eventId}`;
