import { z } from 'zod';
import { defineCredentialType } from '../../../lib/integrations/plugin';

/** HTTP Basic authentication (RFC 7617). */
export const basicAuth = defineCredentialType({
  id: 'basic-auth',
  name: 'Username and password',
  description: 'HTTP Basic authentication: the username is public, the password secret.',
  publicSchema: z.object({ username: z.string().min(1, 'is required').max(200) }).strict(),
  secretSchema: z.object({ password: z.string().min(1, 'is required').max(1000) }).strict(),
  validate: (pub) => (pub.username.includes(':') ? [{ path: 'username', message: 'must not contain a colon' }] : []),
  headers: (pub, secret) => ({ authorization: `Basic ${Buffer.from(`${pub.username}:${secret.password}`).toString('base64')}` }),
});
