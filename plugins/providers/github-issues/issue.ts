// One item of GitHub's "List repository issues" answer (the fields Relay keeps), and how it is stored.
// https://docs.github.com/rest/issues/issues#list-repository-issues
import { z } from 'zod';
import type { NormalizedRecord } from '../../../lib/integrations/plugin';

const login = z.object({ login: z.string() });
// The schema allows a label to be a plain name or a label object.
const label = z.union([z.string(), z.object({ name: z.string().nullish() })]);

export const issueSchema = z.object({
  id: z.number().int(),
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  body: z.string().nullish(),
  user: login.nullish(),
  labels: z.array(label).nullish(),
  assignees: z.array(login).nullish(),
  comments: z.number().int().nullish(),
  html_url: z.string(),
  created_at: z.string(),
  updated_at: z.iso.datetime({ offset: true }),
  closed_at: z.string().nullish(),
  /** Present (an object of URLs) when the item is a pull request. */
  pull_request: z.object({}).loose().nullish(),
});

export const issueListSchema = z.array(issueSchema);

export type GitHubIssue = z.infer<typeof issueSchema>;

export const isPullRequest = (issue: GitHubIssue): boolean => issue.pull_request !== undefined && issue.pull_request !== null;

/** The record Relay stores: keyed by the global id (numbers are per repository and move on transfer). */
export function normalizeIssue(issue: GitHubIssue): NormalizedRecord {
  return {
    externalId: String(issue.id),
    modifiedAt: new Date(issue.updated_at),
    data: {
      number: issue.number,
      title: issue.title,
      state: issue.state,
      body: issue.body ?? null,
      user: issue.user?.login ?? null,
      labels: (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((name) => name !== ''),
      assignees: (issue.assignees ?? []).map((a) => a.login),
      comments: issue.comments ?? 0,
      html_url: issue.html_url,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at ?? null,
      is_pull_request: isPullRequest(issue),
    },
  };
}
