// The plugin contract: credential types and providers. Each lives in its own folder under plugins/ and is found by
// lib/integrations/registry.ts; nothing here does I/O.
import type { z } from 'zod';
import type { Logger } from '../logger';
import type { HttpClient } from './http-client';

export type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

/** A field-level problem found by a plugin's own checks; `path` is relative (`token`, `owner`). */
export interface PluginIssue {
  path: string;
  message: string;
}

/** How a set of credentials is shaped: public fields (shown back), secret fields (encrypted, never shown). */
export interface CredentialType<P extends AnyObjectSchema = AnyObjectSchema, S extends AnyObjectSchema = AnyObjectSchema> {
  id: string;
  name: string;
  description: string;
  publicSchema: P;
  secretSchema: S;
  /** Checks the schemas cannot express, without network; an empty list means valid. */
  validate(publicFields: z.infer<P>, secretFields: z.infer<S>): PluginIssue[];
  /** The HTTP headers that authenticate a request made with these credentials. */
  headers(publicFields: z.infer<P>, secretFields: z.infer<S>): Record<string, string>;
}

/** Opened credentials as a provider sees them (inside an activity only). */
export interface OpenedCredential {
  type: string;
  public: Record<string, unknown>;
  secret: Record<string, unknown>;
}

export interface SyncContext<C> {
  /** The integration's config, already parsed by the provider's configSchema. */
  config: C;
  credential: OpenedCredential | null;
  /** Headers from the credential type (empty without credentials): add them to every upstream request. */
  authHeaders: Record<string, string>;
  /** GET JSON with timeouts, the SSRF guard and typed errors (429 → RateLimitedError, 401 → IntegrationAuthError...). */
  http: HttpClient;
  /** Aborted when the activity is cancelled. */
  signal: AbortSignal;
  logger: Logger;
}

/**
 * One page from the upstream. `nextCursor` is opaque to Relay and saved after the page is stored (the checkpoint):
 * with `hasMore` it is where the next page starts; without, where the next incremental run starts (null: from the
 * beginning, for APIs with no "changed since").
 */
export interface SyncPage<Raw = unknown> {
  records: Raw[];
  nextCursor: string | null;
  hasMore: boolean;
}

/** A record as Relay stores it, keyed by (integration, externalId). */
export interface NormalizedRecord {
  externalId: string;
  data: Record<string, unknown>;
  /** When the upstream says the record last changed, if it says. */
  modifiedAt: Date | null;
}

export interface Provider<C extends z.ZodType = z.ZodType, Raw = unknown> {
  id: string;
  name: string;
  /** A grouping for a UI: 'generic', 'developer-tools', 'events', ... */
  category: string;
  description: string;
  /** Ids of the credential types this provider accepts. */
  credentialTypes: string[];
  /** False when the provider can run without credentials (public APIs). */
  credentialRequired: boolean;
  configSchema: C;
  /** A cheap authenticated request that proves config and credentials work; throws the errors of ./errors. */
  check(ctx: SyncContext<z.infer<C>>): Promise<void>;
  /** Pages from `cursor` on (null: from the beginning). Relay takes one page per activity and saves its cursor. */
  fetch(ctx: SyncContext<z.infer<C>>, cursor: string | null): AsyncIterable<SyncPage<Raw>>;
  /** One upstream record as Relay stores it; the config is there for generic providers (the id field's path). */
  normalize(raw: Raw, config: z.infer<C>): NormalizedRecord;
}

/** What an HTTP header value may hold (Node refuses anything else when sending): printable ASCII, tab, Latin-1. */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Identity helpers that keep each plugin file's types precise. */
export const defineCredentialType = <P extends AnyObjectSchema, S extends AnyObjectSchema>(t: CredentialType<P, S>): CredentialType<P, S> => t;
export const defineProvider = <C extends z.ZodType, Raw>(p: Provider<C, Raw>): Provider<C, Raw> => p;
