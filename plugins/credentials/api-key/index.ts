import { z } from 'zod';
import { defineCredentialType, HEADER_VALUE } from '../../../lib/integrations/plugin';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

/** An API key sent in a header the API names (`s_token` for Sympla, `X-API-Key` elsewhere). */
export const apiKey = defineCredentialType({
  id: 'api-key',
  name: 'API key header',
  description: 'An API key sent in a request header; the header name is public, the key is secret.',
  publicSchema: z
    .object({
      header: z.string().regex(HEADER_NAME, 'must be a valid header name').default('X-API-Key'),
      prefix: z.string().max(50).regex(HEADER_VALUE, 'must be printable characters without line breaks').default('').describe('Text before the key, e.g. "Token "'),
    })
    .strict(),
  secretSchema: z.object({ key: z.string().min(1, 'is required').max(4096) }).strict(),
  validate: (pub, secret) => {
    const issues = [];
    if (!HEADER_VALUE.test(secret.key)) issues.push({ path: 'key', message: 'must be printable characters without line breaks (it is sent in a header)' });
    if (['host', 'content-length', 'connection', 'transfer-encoding'].includes(pub.header.toLowerCase())) issues.push({ path: 'header', message: 'cannot carry a key' });
    return issues;
  },
  headers: (pub, secret) => ({ [pub.header.toLowerCase()]: `${pub.prefix}${secret.key}` }),
});
