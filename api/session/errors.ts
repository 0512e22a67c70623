import { HttpError, UnauthorizedError, type FieldError } from '../errors';

export const CSRF_HEADER = 'X-CSRF-Token';

/** A cookie-authenticated write without the session's CSRF token. */
export class CsrfError extends HttpError {
  constructor() {
    super(
      403,
      'Forbidden',
      `A write with the console session cookie needs the ${CSRF_HEADER} header: the csrf_token of GET /api/v1/session.`,
      [{ path: `headers.${CSRF_HEADER.toLowerCase()}`, message: 'is missing or does not match the session' }],
    );
  }
}

/**
 * The session cookie names a session that ended (expired, signed out, revoked, or its API key revoked). A 401, but
 * not a failed authentication: the token was real once, so it does not count towards the address's lockout.
 */
export class SessionEndedError extends HttpError {
  constructor() {
    super(401, 'Unauthorized', 'The console session has ended (expired, signed out or revoked); sign in again.', undefined, {
      headers: { 'WWW-Authenticate': 'Bearer realm="relay"' },
    });
  }
}

/** POST /session with a key that is not a live API key (a failed authentication: counted, as for the header). */
export class WrongApiKeyError extends UnauthorizedError {
  override readonly errors: FieldError[] = [{ path: 'body.api_key', message: 'is not a valid API key' }];
  constructor() {
    super('Unknown or revoked API key.', true);
  }
}
