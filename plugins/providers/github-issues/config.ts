// The github-issues provider's configuration. A UI renders it from z.toJSONSchema: .describe() on every field,
// defaults instead of transforms, patterns as regexes (they survive into the JSON Schema).
import { z } from 'zod';

/** GitHub user and organization names: letters, digits and hyphens (underscores for Enterprise Managed Users), not starting with a hyphen, at most 39. */
export const OWNER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/;
/** Repository names: letters, digits, '.', '-', '_', at most 100, never '.' or '..'. */
export const REPO_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

export const DEFAULT_BASE_URL = 'https://api.github.com';

export const configSchema = z
  .object({
    owner: z
      .string()
      .regex(OWNER_NAME, 'must be a GitHub user or organization name (letters, digits, hyphens; at most 39 characters)')
      .describe('The user or organization that owns the repository, e.g. "octocat".'),
    repo: z
      .string()
      .regex(REPO_NAME, 'must be a GitHub repository name (letters, digits, ".", "-", "_"; at most 100 characters)')
      .describe('The repository name without the owner, e.g. "hello-world".'),
    state: z
      .enum(['open', 'closed', 'all'])
      .default('all')
      .describe('Which issues to sync. With "open" or "closed", an issue that changes state leaves the list and its stored copy keeps its old state: "all" keeps every issue current.'),
    include_pull_requests: z
      .boolean()
      .default(false)
      .describe('GitHub lists pull requests among issues; they are skipped unless this is on (then data.is_pull_request tells them apart).'),
    per_page: z.number().int().min(1).max(100).default(100).describe('Issues per request (GitHub allows at most 100).'),
    base_url: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .default(DEFAULT_BASE_URL)
      .describe('The REST API root: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server.'),
  })
  .strict()
  .describe('Issues of one GitHub repository, synced incrementally by their update time.');

export type GitHubIssuesConfig = z.infer<typeof configSchema>;

/** `base_url` without trailing slashes, so paths can be appended. */
export const apiRoot = (config: GitHubIssuesConfig): string => config.base_url.replace(/\/+$/, '');

/** The repository's API path, each part encoded (the patterns already exclude '/', this keeps it so). */
export const repoPath = (config: GitHubIssuesConfig): string => `/repos/${encodeURIComponent(config.owner)}/${encodeURIComponent(config.repo)}`;
