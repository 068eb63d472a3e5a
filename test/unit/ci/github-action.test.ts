/**
 * The composite GitHub Action: action.yml's structure, and its step's script run the way the
 * runner runs it — bash, INPUT_* and GITHUB_* variables, a job summary file, GITHUB_OUTPUT —
 * against a real git repository and a local HTTP server speaking GitHub's comment endpoints.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { PR_REPORT_MARKER } from '../../../src/core/report/pr-model.js';
import { packageRoot } from '../../../src/paths.js';
import { startGithubApi } from '../helpers/github-api.js';
import { createTestRepo, tempDir, type TestRepo } from '../../support/git-repo.js';

const root = packageRoot();
const TOKEN = 'ghs_CANARY-action-token-91bc44';
const REPO = 'acme/capacity-plans';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}
interface ActionYaml {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: unknown }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYaml;
const script = join(root, 'scripts', 'github-action.sh');

test('action.yml is a composite action: the documented inputs, every input used and every expression declared, shells on run steps, outputs from a real step, the script it runs exists and is executable', () => {
  assert.equal(action.runs.using, 'composite');
  assert.ok(
    action.name.length > 0 && action.description.length > 0 && action.description.length <= 125,
    'name and a short description (the Marketplace shows 125 characters)',
  );
  for (const input of ['path', 'base', 'head', 'strict', 'comment', 'fail-on-invalid', 'token', 'node-version', 'managed-elsewhere', 'actions-price']) {
    assert.ok(action.inputs[input] !== undefined, `input ${input}`);
  }
  for (const [name, input] of Object.entries(action.inputs)) {
    assert.ok(input.description.length > 0, `input ${name} is described`);
    assert.ok(typeof input.default === 'string', `input ${name} has a string default (the runner passes strings)`);
  }
  assert.equal(action.inputs['path']?.default, 'schedules');
  assert.equal(action.inputs['token']?.default, '${{ github.token }}');
  // Temporal Cloud bills the Actions a TRU commits: the price is per million Actions (list $50), never per TRU-hour.
  assert.equal(action.inputs['actions-price']?.default, '50');
  assert.equal(action.inputs['tru-hour-price'], undefined);

  const text = JSON.stringify(action.runs.steps);
  const referenced = new Set([...text.matchAll(/\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}/g)].map((m) => m[1] ?? ''));
  assert.deepEqual([...referenced].sort(byText), Object.keys(action.inputs).sort(byText), 'every input is used, every inputs.X is declared');

  const ids = new Set(action.runs.steps.map((s) => s.id).filter((id) => id !== undefined));
  for (const step of action.runs.steps) {
    assert.ok(step.name !== undefined, 'every step is named');
    assert.ok((step.run === undefined) !== (step.uses === undefined), `${step.name}: run or uses`);
    if (step.run !== undefined) assert.ok(step.shell === 'bash', `${step.name}: a composite run step needs shell`);
    if (step.uses !== undefined) assert.match(step.uses, /^[\w-]+\/[\w-]+@v\d+$/, `${step.name}: a pinned major version`);
  }
  for (const [name, output] of Object.entries(action.outputs)) {
    const m = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(output.value);
    assert.ok(m !== null && ids.has(m[1] ?? ''), `output ${name} comes from a step with that id`);
  }
  const setup = action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
  assert.equal(setup?.with?.['node-version'], '${{ inputs.node-version }}');

  // The step runs the script that the tests below run; the script reads exactly the INPUT_* the step sets.
  const main = action.runs.steps.find((s) => s.id === 'report');
  assert.ok(main?.run?.includes('$GITHUB_ACTION_PATH/scripts/github-action.sh'));
  accessSync(script, constants.X_OK);
  const set = Object.keys(main?.env ?? {})
    .filter((k) => k.startsWith('INPUT_'))
    .sort(byText);
  const read = [...new Set([...readFileSync(script, 'utf8').matchAll(/\$\{(INPUT_[A-Z_]+)/g)].map((m) => m[1] ?? ''))].sort(byText);
  assert.deepEqual(read, set);
  for (const [k, v] of Object.entries(main?.env ?? {})) {
    if (k.startsWith('INPUT_')) assert.equal(v, `\${{ inputs.${k.slice(6).toLowerCase().replace(/_/g, '-')} }}`, `${k} carries its input`);
  }
  assert.equal(main?.env?.['GITHUB_TOKEN'], '${{ inputs.token }}');
  assert.ok(existsSync(join(root, 'bin', 'capsched.js')), 'CAPSCHED_BIN points at bin/capsched.js');
  assert.equal(main?.env?.['CAPSCHED_BIN'], '${{ github.action_path }}/bin/capsched.js');
});

function plan(p: { name: string; trus: number; duration: string }): string {
  return [
    'apiVersion: capsched/v1',
    'kind: CapacityPlan',
    `name: ${p.name}`,
    'namespace: payments.a1b2c',
    `trus: ${p.trus}`,
    'cron: "0 9 * * *"',
    'timezone: UTC',
    `duration: ${p.duration}`,
    '',
  ].join('\n');
}

interface Runner {
  env: NodeJS.ProcessEnv;
  summary: string;
  output: string;
}

/** The variables a runner sets for a pull_request job step. */
function runner(repo: TestRepo, apiUrl: string, inputs: Record<string, string>, eventName = 'pull_request'): Runner {
  const dir = tempDir('gh-runner-');
  const summary = join(dir, 'step_summary.md');
  const output = join(dir, 'output.txt');
  const eventPath = join(dir, 'event.json');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  writeFileSync(
    eventPath,
    JSON.stringify(eventName === 'pull_request' ? { action: 'synchronize', number: 5, pull_request: { number: 5 } } : { ref: 'refs/heads/main' }),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: REPO,
    GITHUB_API_URL: apiUrl,
    GITHUB_BASE_REF: eventName === 'pull_request' ? 'main' : '',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    GITHUB_WORKSPACE: repo.dir,
    GITHUB_ACTION_PATH: root,
    RUNNER_TEMP: dir,
    CAPSCHED_BIN: join(root, 'bin', 'capsched.js'),
    GITHUB_TOKEN: TOKEN,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v])),
  };
  return { env, summary, output };
}

function runStep(cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const outputs = (file: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  );

test('the action step on a pull request with invalid plans: annotations on the lines, the report in the job summary and in one comment, valid=false, the step fails; after the fix the same comment is updated and the step passes', async () => {
  const api = await startGithubApi({ token: TOKEN });
  after(() => api.stop());
  api.seed(REPO, 5, ['please review']);
  const repo = createTestRepo();
  repo.write('schedules/payments.yaml', plan({ name: 'morning', trus: 4, duration: '2h' }));
  repo.commit('base');
  repo.git('checkout', '--quiet', '-b', 'change');
  repo.write('schedules/payments.yaml', plan({ name: 'morning', trus: 5, duration: '2h' }));
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'invalid trus');

  const r1 = runner(repo, api.url, { path: 'schedules', base: '', strict: 'false', comment: 'true' });
  const first = await runStep(repo.dir, r1.env);
  assert.equal(first.code, 1, first.stdout + first.stderr);
  assert.match(
    first.stdout,
    /^::error file=schedules\/payments\.yaml,line=5,col=\d+,title=capsched invalid-trus \(trus\)::trus 5 is not a value Temporal Cloud accepts/m,
  );
  assert.match(first.stdout, /^::error title=capsched action::the capacity plans under schedules are invalid; see the annotations$/m);
  const summary = readFileSync(r1.summary, 'utf8');
  assert.ok(summary.startsWith(PR_REPORT_MARKER), 'the job summary holds the report');
  assert.match(summary, /Head is invalid/);
  assert.match(first.stderr, /created the report comment on acme\/capacity-plans#5/);
  let marked = api.comments(REPO, 5).filter((c) => c.body.startsWith(PR_REPORT_MARKER));
  assert.equal(marked.length, 1);
  assert.equal(marked[0]?.body, summary, 'the comment is the summary');
  assert.equal(outputs(r1.output)['valid'], 'false');
  assert.equal(outputs(r1.output)['report-file'], join(r1.env.RUNNER_TEMP ?? '', 'capsched-report.md'));
  const id = marked[0]?.id;

  // The author fixes the plan and pushes: the same comment is edited, the step passes.
  repo.write('schedules/payments.yaml', plan({ name: 'morning', trus: 6, duration: '2h' }));
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'fix');
  const r2 = runner(repo, api.url, { path: 'schedules', comment: 'true' });
  const second = await runStep(repo.dir, r2.env);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.doesNotMatch(second.stdout, /::error/);
  assert.match(second.stderr, /updated the report comment on acme\/capacity-plans#5/);
  marked = api.comments(REPO, 5).filter((c) => c.body.startsWith(PR_REPORT_MARKER));
  assert.equal(api.comments(REPO, 5).length, 2, 'still one report comment beside the review comment');
  assert.equal(marked[0]?.id, id);
  assert.match(marked[0]?.body ?? '', /Head is valid/);
  assert.equal(outputs(r2.output)['valid'], 'true');
  for (const r of [first, second]) assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN), 'the token is never printed');
});

test('the action step: strict turns a warning into a failure; fail-on-invalid false reports without failing; outside a pull request no comment is written; a bad input fails with an annotation', async () => {
  const api = await startGithubApi({ token: TOKEN });
  after(() => api.stop());
  const repo = createTestRepo();
  repo.write('schedules/payments.yaml', plan({ name: 'morning', trus: 4, duration: '2h' }));
  repo.commit('base');
  repo.git('checkout', '--quiet', '-b', 'change');
  repo.write('schedules/payments.yaml', plan({ name: 'morning', trus: 4, duration: '30m' }));
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'short window');

  const lenient = await runStep(repo.dir, runner(repo, api.url, { comment: 'false' }).env);
  assert.equal(lenient.code, 0, lenient.stdout + lenient.stderr);
  assert.match(lenient.stdout, /^::warning file=schedules\/payments\.yaml,line=8,col=\d+,title=capsched window-under-hour/m);

  const strict = await runStep(repo.dir, runner(repo, api.url, { comment: 'false', strict: 'true' }).env);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /^::error file=schedules\/payments\.yaml,line=8,.*window-under-hour/m);
  assert.match(strict.stdout, /invalid \(strict: warnings count\); see the annotations/);

  const r = runner(repo, api.url, { comment: 'false', strict: 'true', 'fail-on-invalid': 'false' });
  const reportOnly = await runStep(repo.dir, r.env);
  assert.equal(reportOnly.code, 0);
  assert.equal(outputs(r.output)['valid'], 'false');

  const push = runner(repo, api.url, { comment: 'true', base: 'origin/main' }, 'push');
  const onPush = await runStep(repo.dir, push.env);
  assert.equal(onPush.code, 0, onPush.stdout + onPush.stderr);
  assert.match(onPush.stdout, /::notice title=capsched action::not a pull_request event \(push\): no comment written/);
  assert.ok(readFileSync(push.summary, 'utf8').startsWith(PR_REPORT_MARKER));
  assert.equal(api.requests.length, 0, 'comment false and push events never call the API');

  const bad = await runStep(repo.dir, runner(repo, api.url, { strict: 'maybe' }).env);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, /^::error title=capsched action::input strict must be true or false, got "maybe"$/m);
});
