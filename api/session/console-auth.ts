import type { Request } from 'express';
import { match } from 'path-to-regexp';
import type { Db } from '../../lib/db/connect';
import type { Logger } from '../../lib/logger';
import { apiKeyChecker, hashApiKey, type ConsoleAuthGate, type Principal } from '../auth';
import { ConsoleSessions } from './console-sessions';
import { OidcClient } from './oidc-client';
import type { ConsoleAuthSettings } from './settings';

/** The paths under /api/v1 that answer without credentials (matched as Express matches routes). */
const PUBLIC_PATHS = ['/session'].map((path) => match(path, { decode: false, end: true, trailing: true, sensitive: false }));

/** Everything console sign-in needs, made once per app. */
export interface ConsoleAuth {
  settings: ConsoleAuthSettings;
  sessions: ConsoleSessions;
  /** undefined when OIDC is not configured. */
  oidc: OidcClient | undefined;
  checkKey: (key: string) => Promise<Principal | null>;
  gate: ConsoleAuthGate;
  logger: Logger;
}

export function createConsoleAuth(deps: { db: Db; logger: Logger; settings: ConsoleAuthSettings; bootstrapAdminKey: string | undefined }): ConsoleAuth {
  const { db, logger, settings } = deps;
  const sessions = new ConsoleSessions(db, settings.lifetimes, deps.bootstrapAdminKey ? hashApiKey(deps.bootstrapAdminKey) : null, settings.secretBox, logger);
  return {
    settings,
    sessions,
    oidc: settings.oidc ? new OidcClient(settings.oidc) : undefined,
    checkKey: apiKeyChecker(db, deps.bootstrapAdminKey),
    gate: { sessions, isPublic: (req: Request) => PUBLIC_PATHS.some((m) => m(req.path) !== false) },
    logger,
  };
}
