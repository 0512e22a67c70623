import { z } from 'zod';
import { defineCredentialType, HEADER_VALUE } from '../../../lib/integrations/plugin';

/** `Authorization: Bearer <token>`: GitHub personal access tokens, most OAuth-issued API tokens. */
export const bearerToken = defineCredentialType({
  id: 'bearer-token',
  name: 'Bearer token',
  description: 'A token sent as `Authorization: Bearer <token>` (GitHub personal access tokens, OAuth access tokens).',
  publicSchema: z.object({}).strict(),
  secretSchema: z.object({ token: z.string().min(1, 'is required').max(4096) }).strict(),
  validate: (_pub, secret) =>
    /\s/.test(secret.token) || !HEADER_VALUE.test(secret.token) ? [{ path: 'token', message: 'must be printable characters without whitespace (it is sent in a header)' }] : [],
  headers: (_pub, secret) => ({ authorization: `Bearer ${secret.token}` }),
});
