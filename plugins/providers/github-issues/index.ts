// github-issues: the issues (and optionally pull requests) of one GitHub repository, from the REST API's "List
// repository issues" sorted by update time, so each run asks only for what changed since the last one.
// Cursor format and why pages are keyset (since=) rather than Link page numbers: ./cursor.ts.
import { nextLink, type HttpResponse } from '../../../lib/integrations/http-client';
import { ProviderConfigError, UpstreamError } from '../../../lib/integrations/errors';
import { defineProvider, type SyncContext, type SyncPage } from '../../../lib/integrations/plugin';
import { apiRoot, configSchema, repoPath, type GitHubIssuesConfig } from './config';
import { finalCursor, midRunCursor, nextState, readCursor, type RunState } from './cursor';
import { isPullRequest, issueListSchema, normalizeIssue, type GitHubIssue } from './issue';

const API_VERSION = '2022-11-28';

type Ctx = SyncContext<GitHubIssuesConfig>;

const headers = (ctx: Ctx): Record<string, string> => ({
  accept: 'application/vnd.github+json',
  'x-github-api-version': API_VERSION,
  ...ctx.authHeaders,
});

/** GET from the repository's API, with GitHub's "not there" answers turned into what the user must fix. */
async function get(ctx: Ctx, path: string, query?: Record<string, string | number | undefined>): Promise<HttpResponse> {
  const { owner, repo } = ctx.config;
  try {
    return await ctx.http.getJson(`${apiRoot(ctx.config)}${repoPath(ctx.config)}${path}`, { headers: headers(ctx), query });
  } catch (err) {
    // GitHub answers 404 (not 403) for a private repository the token cannot see.
    if (err instanceof UpstreamError && err.status === 404) throw new ProviderConfigError(`repository ${owner}/${repo} not found or not visible with these credentials`);
    if (err instanceof UpstreamError && err.status === 410) throw new ProviderConfigError(`issues are disabled in repository ${owner}/${repo}`);
    throw err;
  }
}

function issuesOf(response: HttpResponse): GitHubIssue[] {
  const parsed = issueListSchema.safeParse(response.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UpstreamError(`${response.url} did not answer a list of issues: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unexpected shape'}`, response.status, false);
}

/** The newest updated_at among `issues` (pull requests count: they move the list as much as issues do). */
function newestOf(issues: readonly GitHubIssue[]): string | null {
  let newest: string | null = null;
  for (const issue of issues) if (newest === null || Date.parse(issue.updated_at) > Date.parse(newest)) newest = issue.updated_at;
  return newest;
}

async function* fetchPages(ctx: Ctx, cursor: string | null): AsyncGenerator<SyncPage<GitHubIssue>> {
  const { config } = ctx;
  let state: RunState = readCursor(cursor);
  for (;;) {
    const response = await get(ctx, '/issues', {
      state: config.state,
      sort: 'updated',
      direction: 'asc',
      since: state.since ?? undefined,
      per_page: config.per_page,
      page: state.page,
    });
    const issues = issuesOf(response);
    const records = config.include_pull_requests ? issues : issues.filter((issue) => !isPullRequest(issue));
    const next = nextState(state, newestOf(issues));
    // GitHub's Link header says whether there is more; its URL is not followed (see ./cursor.ts).
    if (issues.length === 0 || nextLink(response.headers.link) === null) {
      yield { records, nextCursor: finalCursor(next), hasMore: false };
      return;
    }
    state = next;
    yield { records, nextCursor: midRunCursor(state), hasMore: true };
  }
}

export const githubIssues = defineProvider({
  id: 'github-issues',
  name: 'GitHub issues',
  category: 'developer-tools',
  description:
    'The issues of one GitHub repository (pull requests too if asked), synced incrementally by update time. Public repositories work without credentials (at a low rate limit); private ones need a bearer token (a personal access token with read access to issues).',
  credentialTypes: ['bearer-token'],
  credentialRequired: false,
  configSchema,
  async check(ctx) {
    const response = await get(ctx, '');
    const body = response.body;
    if (typeof body === 'object' && body !== null && 'has_issues' in body && body.has_issues === false) {
      throw new ProviderConfigError(`issues are disabled in repository ${ctx.config.owner}/${ctx.config.repo}`);
    }
  },
  fetch: fetchPages,
  normalize: (raw: GitHubIssue) => normalizeIssue(raw),
});
