/**
 * `capsched report --comment github` against a real HTTP server speaking GitHub's REST endpoints
 * (list with pagination, create, edit): one marked comment per pull request, whatever the number
 * of pushes; the token is sent only as the Bearer header and never printed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { reportCommand } from '../../../src/cli/report.js';
import type { CliIO } from '../../../src/cli/io.js';
import { PR_REPORT_MARKER } from '../../../src/core/report/pr-model.js';
import { startGithubApi } from '../helpers/github-api.js';
import { createTestRepo, tempDir } from '../../support/git-repo.js';

const TOKEN = 'ghs_CANARY-report-token-7f3e9a';
const REPO = 'acme/capacity-plans';

async function run(cwd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd };
  const code = await reportCommand(argv, io);
  return { code, stdout, stderr };
}

function plan(name: string, trus: number): string {
  return [
    'apiVersion: capsched/v1',
    'kind: CapacityPlan',
    `name: ${name}`,
    'namespace: payments.a1b2c',
    `trus: ${trus}`,
    'cron: "0 9 * * *"',
    'timezone: UTC',
    'duration: 2h',
    '',
  ].join('\n');
}

/** A repository whose main has one plan, on a branch `change` that edits it. */
function repoWithChange(trus: number): ReturnType<typeof createTestRepo> {
  const repo = createTestRepo();
  repo.write('schedules/payments.yaml', plan('morning', 4));
  repo.commit('base');
  repo.git('checkout', '--quiet', '-b', 'change');
  repo.write('schedules/payments.yaml', plan('morning', trus));
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'change');
  return repo;
}

const NOW = ['--now', '2026-12-01T00:00:00Z'];

test('create then update = still one comment: the marked comment is found through Link pagination (pages 1–3 of 100) and edited in place, nobody else’s comment changes', async () => {
  const api = await startGithubApi({ token: TOKEN });
  after(() => api.stop());
  // 230 comments by people; none starts with the marker (one quotes it in the middle).
  api.seed(
    REPO,
    7,
    Array.from({ length: 230 }, (_, i) => (i === 3 ? `see the ${PR_REPORT_MARKER} below` : `comment ${i}`)),
  );
  const env = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: api.url };

  const repo = repoWithChange(8);
  const first = await run(repo.dir, ['--comment', 'github', '--pr', '7', ...NOW], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^<!-- capsched-report -->/, 'the markdown is still printed');
  assert.match(first.stderr, /created the report comment on acme\/capacity-plans#7: https:\/\/github\.example\//);
  let comments = api.comments(REPO, 7);
  assert.equal(comments.length, 231);
  const marked = comments.filter((c) => c.body.startsWith(PR_REPORT_MARKER));
  assert.equal(marked.length, 1);
  assert.equal(marked[0]?.body, first.stdout);
  // It read every page (3 × 100) before creating: the marker could have been on any of them.
  const lists = api.requests.filter((r) => r.method === 'GET').map((r) => new URL(r.path, 'http://x').searchParams.get('page') ?? '1');
  assert.deepEqual(lists, ['1', '2', '3']);

  // A new push: more people comment, the plan changes again. Now the marked comment sits on page 3 of 3.
  api.seed(REPO, 7, ['lgtm', 'one more thing']);
  repo.write('schedules/payments.yaml', plan('morning', 12));
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'more');
  api.requests.length = 0;
  const second = await run(repo.dir, ['--comment', 'github', '--pr', '7', ...NOW], env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /updated the report comment on acme\/capacity-plans#7/);
  comments = api.comments(REPO, 7);
  assert.equal(comments.length, 233, 'an update adds no comment');
  const after2 = comments.filter((c) => c.body.startsWith(PR_REPORT_MARKER));
  assert.equal(after2.length, 1);
  assert.equal(after2[0]?.id, marked[0]?.id, 'the same comment, edited');
  assert.equal(after2[0]?.body, second.stdout);
  assert.match(second.stdout, /\b12\b/);
  assert.deepEqual(
    api.requests.map((r) => r.method),
    ['GET', 'GET', 'GET', 'PATCH'],
  );
  assert.equal(comments[3]?.body, `see the ${PR_REPORT_MARKER} below`, 'a comment quoting the marker is not ours');

  // The same report again: found, equal, nothing written.
  api.requests.length = 0;
  const third = await run(repo.dir, ['--comment', 'github', '--pr', '7', ...NOW], env);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /unchanged the report comment/);
  assert.deepEqual(
    api.requests.map((r) => r.method),
    ['GET', 'GET', 'GET'],
  );

  // Every request carried the token as a Bearer header; no output ever shows it.
  assert.ok(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
  for (const r of [first, second, third]) assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN));
});

test('the pull request from GITHUB_EVENT_PATH and a GitHub Enterprise Server API root (GITHUB_API_URL with /api/v3)', async () => {
  const api = await startGithubApi({ token: TOKEN, prefix: '/api/v3' });
  after(() => api.stop());
  const dir = tempDir('gh-event-');
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ action: 'synchronize', number: 42, pull_request: { number: 42, head: { sha: 'abc' } } }));
  const repo = repoWithChange(6);
  const res = await run(repo.dir, ['--comment', 'github', ...NOW], {
    GITHUB_TOKEN: TOKEN,
    GITHUB_REPOSITORY: 'ent/plans',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: api.url,
  });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(api.comments('ent/plans', 42).length, 1);
  assert.ok(api.requests.every((r) => r.path.startsWith('/api/v3/repos/ent/plans/issues/')));
});

test('a refused token: exit 1 with the fix, the report still printed, the token in no output', async () => {
  const api = await startGithubApi({ token: 'ghs_the-right-token-000000' });
  after(() => api.stop());
  const repo = repoWithChange(8);
  const res = await run(repo.dir, ['--comment', 'github', '--pr', '3', ...NOW], { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: api.url });
  assert.equal(res.code, 1);
  assert.match(res.stdout, /^<!-- capsched-report -->/);
  assert.match(
    res.stderr,
    /could not write the report comment on acme\/capacity-plans#3: GitHub API GET \/repos\/acme\/capacity-plans\/issues\/3\/comments answered 401: Bad credentials — the token was refused.*\[GITHUB_FORBIDDEN\]/,
  );
  assert.ok(!`${res.stdout}${res.stderr}`.includes(TOKEN));
  assert.equal(api.comments(REPO, 3).length, 0);
});

test('rate limited: exit 1 with GITHUB_RATE_LIMITED and when it resets, nothing written', async () => {
  const api = await startGithubApi({ token: TOKEN });
  after(() => api.stop());
  api.rateLimited = true;
  const repo = repoWithChange(8);
  const res = await run(repo.dir, ['--comment', 'github', '--pr', '3', ...NOW], { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: api.url });
  assert.equal(res.code, 1);
  assert.match(
    res.stderr,
    /answered 403: API rate limit exceeded — rate limited until 2026-11-30T\d\d:\d\d:\d\d\.000Z; the next run updates the comment \[GITHUB_RATE_LIMITED\]/,
  );
  assert.equal(api.comments(REPO, 3).length, 0);
});

test('GitHub unreachable: exit 1, a transient GITHUB_UNAVAILABLE, the token in no output', async () => {
  const api = await startGithubApi({ token: TOKEN });
  const url = api.url;
  await api.stop();
  const repo = repoWithChange(8);
  const res = await run(repo.dir, ['--comment', 'github', '--pr', '3', ...NOW], { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: url });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /could not write the report comment .*\[GITHUB_UNAVAILABLE\]/);
  assert.ok(!res.stderr.includes(TOKEN));
});

test('--comment github usage errors: no token, no repository, no pull request, with --format json', async () => {
  const repo = repoWithChange(8);
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--comment', 'github', '--pr', '1'], { GITHUB_REPOSITORY: REPO }, /needs a token in GITHUB_TOKEN/],
    [['--comment', 'github', '--pr', '1'], { GITHUB_TOKEN: TOKEN }, /needs the repository: --repo owner\/name or GITHUB_REPOSITORY/],
    [['--comment', 'github'], { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO }, /needs the pull request: --pr <number>/],
    [['--comment', 'github', '--pr', 'x'], { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO }, /--pr "x" is not a pull request number/],
    [['--comment', 'github', '--pr', '1', '--format', 'json'], { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO }, /cannot be combined with --format json/],
    [['--comment', 'gitlab'], { GITHUB_TOKEN: TOKEN }, /unknown --comment "gitlab"; use github/],
    [['--pr', '1'], {}, /--repo and --pr only apply with --comment github/],
  ];
  for (const [argv, env, message] of cases) {
    const res = await run(repo.dir, [...argv, ...NOW], env);
    assert.equal(res.code, 2, argv.join(' '));
    assert.match(res.stderr, message);
    assert.equal(res.stdout, '');
    assert.ok(!res.stderr.includes(TOKEN));
  }
});
