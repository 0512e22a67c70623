import type { Role } from '../../lib/db/database';
import type { RoleRules } from './settings';

export type RoleDecision = { role: Role } | { refused: 'no_role' | 'domain'; detail: string };

const ROLES_HIGHEST_FIRST: readonly Role[] = ['admin', 'operator', 'viewer'];

/** The claim at a dotted path (`groups`, `realm_access.roles`) as a list of strings: a string is one, an array its strings. */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The lower-case domain of an address with exactly one @ and something on each side, else undefined. */
const emailDomain = (email: string): string | undefined => {
  const parts = email.split('@');
  return parts.length === 2 && parts[0] && parts[1] ? parts[1].toLowerCase() : undefined;
};

/**
 * Who may sign in through OIDC, and as what: when domains are set, the e-mail must be in one of them and verified by
 * the issuer (email_verified true); then the role claim's values are matched exactly against each role's list, the
 * highest role with a match winning. No match: refused (no role in Relay).
 */
export function decideRole(claims: Record<string, unknown>, rules: RoleRules): RoleDecision {
  if (rules.allowedEmailDomains.length > 0) {
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const domain = email ? emailDomain(email) : undefined;
    if (!domain || !rules.allowedEmailDomains.includes(domain)) {
      return { refused: 'domain', detail: email ? `e-mail domain ${domain ?? '?'} is not allowed` : 'no e-mail claim' };
    }
    // Some issuers (Cognito) send the boolean as a string.
    if (claims.email_verified !== true && claims.email_verified !== 'true') return { refused: 'domain', detail: 'the e-mail is not verified by the issuer' };
  }
  const values = claimValues(claims, rules.claim);
  for (const role of ROLES_HIGHEST_FIRST) {
    if (rules.values[role].some((v) => values.includes(v))) return { role };
  }
  return { refused: 'no_role', detail: `no value of claim ${rules.claim} (${values.length} values) maps to a role` };
}

/** Whether the ID token's claims already hold what decideRole and the session need (else the userinfo endpoint is asked). */
export function needsUserinfo(claims: Record<string, unknown>, rules: RoleRules): boolean {
  if (claimValues(claims, rules.claim).length === 0) return true;
  if (typeof claims.email !== 'string') return true;
  return rules.allowedEmailDomains.length > 0 && claims.email_verified === undefined;
}
