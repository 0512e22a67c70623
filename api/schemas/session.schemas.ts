import { z } from '../openapi';

const Role = z.enum(['admin', 'operator', 'viewer']);

export const SessionPrincipalSchema = z
  .object({
    name: z.string().openapi({ description: "The API key's name, or the OIDC user's name (else e-mail, else subject)" }),
    role: Role,
    email: z.string().optional().openapi({ description: 'OIDC sessions: the e-mail the issuer gave' }),
  })
  .openapi('SessionPrincipal');

export const SessionSchema = z
  .object({
    authenticated: z.boolean().openapi({ description: 'Whether the request carried a live console session or API key' }),
    principal: SessionPrincipalSchema.optional(),
    csrf_token: z.string().optional().openapi({
      description: 'Console sessions only: send it as the X-CSRF-Token header with every POST, PUT, PATCH and DELETE made with the session cookie',
    }),
    expires_at: z.string().optional().openapi({
      format: 'date-time',
      description: 'Console sessions only: when the session ends unless used again (idle expiry), never after its absolute end',
    }),
    methods: z
      .object({ api_key: z.literal(true), oidc: z.boolean() })
      .openapi({ description: 'How one may sign in: with an API key always, through OIDC when configured' }),
    oidc_login_url: z.string().optional().openapi({
      description: 'When OIDC is configured: the path to send the browser to (add ?return_to=/console/... to come back there)',
      example: '/auth/oidc/login',
    }),
    temporal_ui_url: z.string().optional().openapi({ description: 'The Temporal Web UI, when TEMPORAL_UI_URL is set' }),
  })
  .openapi('Session');

export const SignInBody = z
  .object({ api_key: z.string().min(1).max(512).openapi({ description: 'An API key (rk_...) or the bootstrap admin key' }) })
  .strict()
  .openapi('SignIn');

export const SignOutSchema = z
  .object({
    logout_url: z.string().optional().openapi({
      description: "OIDC sessions whose issuer supports RP-initiated logout: send the browser there to end the issuer's session too",
    }),
  })
  .openapi('SignOut');

export const ConsoleSessionSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: Role,
    email: z.string().nullable(),
    method: z.enum(['api_key', 'oidc']),
    api_key_id: z.number().int().nullable().openapi({ description: 'The API key it was made from (null: the bootstrap key, or OIDC)' }),
    oidc_issuer: z.string().nullable(),
    oidc_subject: z.string().nullable(),
    created_at: z.string(),
    last_seen_at: z.string(),
    expires_at: z.string().openapi({ description: 'When it ends unless used again (idle expiry), never after its absolute end' }),
    current: z.boolean().openapi({ description: "Whether this is the caller's own session" }),
  })
  .openapi('ConsoleSession');
