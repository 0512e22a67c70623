// A local GitHub REST API for tests: GET /repos/:owner/:repo and "List repository issues" with GitHub's filters,
// Link header pagination (absolute /repositories/:id/issues URLs, as GitHub writes them), rate-limit headers and error
// bodies. Time is a fake clock: every change made through addIssue/updateIssue happens one second after the last.
import { startFakeServer, type FakeAnswer, type FakeServer, type RecordedRequest } from './fake-upstream';

export type { FakeAnswer, RecordedRequest };

export interface FakeIssueFields {
  title?: string;
  body?: string | null;
  state?: 'open' | 'closed';
  labels?: string[];
  assignees?: string[];
  user?: string;
  comments?: number;
  /** Make it a pull request (GitHub lists them among issues, with a `pull_request` key). */
  pull_request?: boolean;
  /** Set explicitly (e.g. several issues in one second); otherwise the clock's next second. */
  updated_at?: string;
}

export type GitHubIssueJson = Record<string, unknown> & { id: number; number: number; updated_at: string };

export interface FakeGitHub extends FakeServer {
  repoId: number;
  /** Adds an issue (or pull request) at the clock's next second; returns it as the API shows it. */
  addIssue(fields?: FakeIssueFields): GitHubIssueJson;
  /** Changes an issue at the clock's next second (updated_at moves, closed_at follows state). */
  updateIssue(number: number, fields: FakeIssueFields): GitHubIssueJson;
  /** Every issue and pull request as the API shows it, by number. */
  issues(): GitHubIssueJson[];
}

interface StoredIssue extends Required<Omit<FakeIssueFields, 'updated_at'>> {
  id: number;
  number: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

const DOCS = 'https://docs.github.com/rest';
const notFound = (documentation_url = DOCS): FakeAnswer => ({ status: 404, body: { message: 'Not Found', documentation_url, status: '404' } });
const invalid = (field: string): FakeAnswer => ({
  status: 422,
  body: {
    message: 'Validation Failed',
    errors: [{ resource: 'Issue', field, code: 'invalid' }],
    documentation_url: `${DOCS}/issues/issues#list-repository-issues`,
    status: '422',
  },
});
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
/** A stable made-up id for a login or label name. */
const idOfLogin = (login: string): number => [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9_000_000, 7) + 1_000;
const account = (login: string) => {
  const id = idOfLogin(login);
  return {
    login, id, node_id: `U_${id}`, avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`, url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`, type: 'User', site_admin: false,
  };
};

export async function startFakeGitHub(options: { token?: string; owner: string; repo: string }): Promise<FakeGitHub> {
  const { owner, repo } = options;
  const repoId = 1_296_269;
  const stored: StoredIssue[] = [];
  let clock = Date.UTC(2024, 0, 1);
  let remaining = 5000;
  const tick = (): string => iso((clock += 1000));
  const web = `https://github.com/${owner}/${repo}`;
  const api = `https://api.github.com/repos/${owner}/${repo}`;

  function render(i: StoredIssue): GitHubIssueJson {
    const url = `${api}/issues/${i.number}`;
    const label = (name: string) => {
      const id = idOfLogin(name);
      return { id, node_id: `LA_${id}`, url: `${api}/labels/${encodeURIComponent(name)}`, name, color: 'ededed', default: false, description: null };
    };
    const pullRequest = {
      url: `${api}/pulls/${i.number}`,
      html_url: `${web}/pull/${i.number}`,
      diff_url: `${web}/pull/${i.number}.diff`,
      patch_url: `${web}/pull/${i.number}.patch`,
      merged_at: null,
    };
    return {
      url,
      repository_url: api,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${web}/${i.pull_request ? 'pull' : 'issues'}/${i.number}`,
      id: i.id,
      node_id: `I_kwDO${i.id}`,
      number: i.number,
      title: i.title,
      user: account(i.user),
      labels: i.labels.map(label),
      state: i.state,
      locked: false,
      assignee: i.assignees.length ? account(i.assignees[0]) : null,
      assignees: i.assignees.map(account),
      milestone: null,
      comments: i.comments,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_at: i.closed_at,
      author_association: 'CONTRIBUTOR',
      active_lock_reason: null,
      ...(i.pull_request ? { draft: false, pull_request: pullRequest } : {}),
      body: i.body,
      reactions: { url: `${url}/reactions`, total_count: 0 },
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      state_reason: i.state === 'closed' ? 'completed' : null,
    };
  }

  const repoJson = () => ({
    id: repoId, node_id: `R_kgDO${repoId}`, name: repo, full_name: `${owner}/${repo}`, private: false, owner: account(owner),
    html_url: web, description: 'A repository served by the fake GitHub', fork: false, url: api, issues_url: `${api}/issues{/number}`,
    created_at: '2023-01-01T00:00:00Z', updated_at: iso(clock), pushed_at: iso(clock), has_issues: true, archived: false, disabled: false,
    open_issues_count: stored.filter((i) => i.state === 'open').length, visibility: 'public', default_branch: 'main',
  });

  function listIssues(req: RecordedRequest, baseUrl: string): FakeAnswer {
    const q = req.query;
    const state = q.state ?? 'open';
    const sort = q.sort ?? 'created';
    const direction = q.direction ?? 'desc';
    if (!['open', 'closed', 'all'].includes(state)) return invalid('state');
    if (!['created', 'updated', 'comments'].includes(sort)) return invalid('sort');
    if (!['asc', 'desc'].includes(direction)) return invalid('direction');
    const since = q.since === undefined ? null : Date.parse(q.since);
    if (since !== null && Number.isNaN(since)) return invalid('since');
    const perPage = Math.min(100, Math.max(1, Number.parseInt(q.per_page ?? '30', 10) || 30));
    const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
    const key = (i: StoredIssue): number => (sort === 'updated' ? Date.parse(i.updated_at) : sort === 'comments' ? i.comments : Date.parse(i.created_at));
    const matching = stored
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => since === null || Date.parse(i.updated_at) >= since)
      .sort((a, b) => (direction === 'asc' ? 1 : -1) * (key(a) - key(b) || a.number - b.number));
    const last = Math.max(1, Math.ceil(matching.length / perPage));
    const pageUrl = (n: number) => {
      const params = new URLSearchParams({ ...q, per_page: String(perPage), page: String(n) });
      return `${baseUrl}/repositories/${repoId}/issues?${params.toString()}`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
    if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
    if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
    const body = matching.slice((page - 1) * perPage, page * perPage).map(render);
    return { status: 200, headers: links.length ? { link: links.join(', ') } : {}, body };
  }

  function handle(req: RecordedRequest, baseUrl: string): FakeAnswer {
    const auth = req.headers.authorization;
    if (options.token !== undefined && auth !== `Bearer ${options.token}` && auth !== `token ${options.token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
    }
    remaining = Math.max(0, remaining - 1);
    const rate = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
    };
    const same = (a: string, b: string) => decodeURIComponent(a).toLowerCase() === b.toLowerCase();
    const parts = req.path.split('/').filter(Boolean);
    let answer: FakeAnswer;
    const ours = parts[0] === 'repos' && parts.length >= 3 && same(parts[1], owner) && same(parts[2], repo);
    const byId = parts[0] === 'repositories' && parts[1] === String(repoId);
    if (req.method !== 'GET') answer = notFound();
    else if (ours && parts.length === 3) answer = { status: 200, body: repoJson() };
    else if ((ours && parts.length === 4 && parts[3] === 'issues') || (byId && parts.length === 3 && parts[2] === 'issues')) answer = listIssues(req, baseUrl);
    else answer = notFound(parts[0] === 'repos' && parts.length === 3 ? `${DOCS}/repos/repos#get-a-repository` : DOCS);
    return { ...answer, headers: { ...rate, ...answer.headers } };
  }

  const server = await startFakeServer(handle);
  const find = (number: number): StoredIssue => {
    const issue = stored.find((i) => i.number === number);
    if (!issue) throw new Error(`fake GitHub has no issue #${number}`);
    return issue;
  };
  return {
    ...server,
    repoId,
    addIssue(fields = {}) {
      const number = stored.length + 1;
      const at = fields.updated_at ?? tick();
      const state = fields.state ?? 'open';
      const issue: StoredIssue = {
        id: 2_000_000_000 + number * 7, number, title: fields.title ?? `Issue ${number}`, body: fields.body === undefined ? `Body of issue ${number}` : fields.body,
        state, labels: fields.labels ?? [], assignees: fields.assignees ?? [], user: fields.user ?? 'octocat', comments: fields.comments ?? 0,
        pull_request: fields.pull_request ?? false, created_at: at, updated_at: at, closed_at: state === 'closed' ? at : null,
      };
      stored.push(issue);
      return render(issue);
    },
    updateIssue(number, fields) {
      const issue = find(number);
      const at = fields.updated_at ?? tick();
      const { updated_at: _ignored, ...rest } = fields;
      const wasClosed = issue.state === 'closed';
      Object.assign(issue, rest, { updated_at: at });
      if (issue.state === 'closed' && !wasClosed) issue.closed_at = at;
      if (issue.state === 'open') issue.closed_at = null;
      return render(issue);
    },
    issues: () => stored.map(render),
  };
}
