/**
 * The Docker image's production path without a Docker engine: a clean clone is built the way
 * the build stage builds it (`npm run build` → dist/ + dist/workflow-bundle.js), the runtime
 * stage's COPY lines are replayed into an "image" folder with production dependencies only
 * (`npm ci --omit=dev`, as the deps stage does), and `node bin/capsched.js run` starts from it
 * with NODE_ENV=production against the dev server. It must start the capacity worker from the
 * prebuilt bundle (a preload hook reports every workflow bundling), pass the image's HEALTHCHECK,
 * become ready, and run one short capacity window against the Cloud Ops simulator.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../../src/adapters/temporal-dev-server/index.js';
import { CAPACITY_CHANGE_WORKFLOW, type CapacityChangeInput, type CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { packageRoot } from '../../../src/paths.js';
import { startCloudOpsSimulator } from '../../../src/simulator/index.js';
import { tempDir } from '../../support/git-repo.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { spawnWatched, within } from '../dev/spawn-dev.js';
import { copiesOf, envOf, execForm, readDockerfile } from '../../support/docker-image.js';

const root = packageRoot();
const BUNDLING_MARK = 'capsched-test: bundling workflows from';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed in ${cwd}: ${r.error?.message ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A preload that reports every bundleWorkflowCode / Worker.create({workflowsPath}) bundling. */
function bundlingDetector(dir: string): string {
  const path = join(dir, 'detect-bundling.cjs');
  writeFileSync(
    path,
    `const { createRequire } = require('node:module');
const req = createRequire(process.cwd() + '/');
const { WorkflowCodeBundler } = req('@temporalio/worker/lib/workflow/bundler.js');
const original = WorkflowCodeBundler.prototype.createBundle;
WorkflowCodeBundler.prototype.createBundle = function (...args) {
  process.stderr.write(${JSON.stringify(BUNDLING_MARK)} + ' ' + this.workflowsPath + '\\n');
  return original.apply(this, args);
};
`,
  );
  return path;
}

test('the image path: npm run build, prod-only deps, capsched run from the prebuilt bundle, one capacity window', { timeout: 420_000 }, async () => {
  const temporal = await testTemporal();
  const work = tempDir('capsched-image-');
  const clone = join(work, 'clone');
  const image = join(work, 'image');

  // Build stage: a clean checkout, full dependencies, `npm run build`.
  execFileSync('git', ['clone', '--quiet', root, clone], { stdio: 'pipe' });
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  run('npm', ['run', 'build'], clone);
  const bundlePath = join(clone, 'dist', 'workflow-bundle.js');
  assert.ok(existsSync(bundlePath), '`npm run build` writes dist/workflow-bundle.js');
  assert.ok(statSync(bundlePath).size > 100_000, 'the bundle holds the workflow code');
  unlinkSync(join(clone, 'node_modules')); // never let npm ci touch the shared node_modules

  // Runtime stage: replay its COPY lines; node_modules from the deps stage = npm ci --omit=dev.
  const stages = readDockerfile(join(clone, 'Dockerfile'));
  const final = stages[stages.length - 1];
  assert.ok(final !== undefined);
  mkdirSync(image);
  for (const copy of copiesOf(final)) {
    const stage = stages.find((s) => s.name === copy.from);
    const dest = join(image, copy.dest.replace(/^\.\/?/, ''));
    if (copy.from !== undefined && stage?.instructions.some((i) => i.keyword === 'RUN' && /--omit=dev/.test(i.args))) {
      cpSync(join(clone, 'package.json'), join(image, 'package.json'));
      cpSync(join(clone, 'package-lock.json'), join(image, 'package-lock.json'));
      run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], image);
      continue;
    }
    for (const src of copy.sources) {
      const from = join(clone, src.replace(/^\/app\//, ''));
      const target = copy.dest.endsWith('/') ? join(dest, src.split('/').pop() as string) : dest;
      mkdirSync(dirname(target), { recursive: true });
      // Docker keeps file times; so must we (the worker refuses a bundle older than the workflows).
      cpSync(from, target, { recursive: true, preserveTimestamps: true });
    }
  }
  // The build stage never saw test/ or bench/ (.dockerignore), so their compiled output is not in the image.
  const ignored = readFileSync(join(clone, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const dir of ['test', 'bench']) if (ignored.includes(dir)) rmSync(join(image, 'dist', dir), { recursive: true, force: true });
  assert.ok(existsSync(join(image, 'dist', 'workflow-bundle.js')), 'the image holds the prebuilt bundle');
  assert.equal(existsSync(join(image, 'node_modules', 'typescript')), false, 'no dev dependencies in the image');
  assert.equal(existsSync(join(image, 'node_modules', '@temporalio', 'testing')), false, 'no @temporalio/testing in the image');

  // The Cloud Ops simulator and a plans folder (a plain folder source).
  const suffix = uniqueSuffix();
  const namespace = `img-${suffix}.acct1`;
  const simulator = await startCloudOpsSimulator({ namespaces: [namespace], apiKey: 'image-test-key', operationDelayMs: 100 });
  after(() => simulator.stop());
  mkdirSync(join(work, 'plans', 'schedules'), { recursive: true });
  writeFileSync(
    join(work, 'plans', 'schedules', 'nightly.yaml'),
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: nightly\nnamespace: ${namespace}\ntrus: 8\ncron: "0 23 * * 1-5"\ntimezone: America/New_York\nduration: 3h\n`,
  );
  mkdirSync(join(work, 'home'));

  // ENTRYPOINT + flags, the image's ENV, production settings.
  // The init (tini, PID 1 in the image; dockerfile.test.ts checks it) only forwards signals: replay what it runs.
  const entrypoint = execForm(final.instructions.filter((i) => i.keyword === 'ENTRYPOINT').pop()?.args ?? '') as string[];
  assert.deepEqual(entrypoint.slice(0, 2), ['/usr/bin/tini', '--']);
  const entry = entrypoint.slice(2);
  assert.deepEqual(entry.slice(0, 2), ['node', 'bin/capsched.js']);
  const port = await freePort();
  const taskQueue = `image-${suffix}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...envOf(final),
    HOME: join(work, 'home'),
    CAPSCHED_WORK_DIR: join(work, 'home', 'cache'),
    CAPSCHED_LISTEN: `127.0.0.1:${port}`,
    CAPSCHED_LOG_LEVEL: 'info',
    NODE_OPTIONS: `--require ${bundlingDetector(work)}`,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_CLOUD_API_KEY: 'image-test-key',
    TEMPORAL_CLOUD_ENDPOINT: simulator.address,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
  };
  assert.equal(env.NODE_ENV, 'production');
  const args = [
    ...entry.slice(1),
    '--source',
    join(work, 'plans'),
    '--path',
    'schedules',
    '--installation',
    `img${suffix}`,
    '--task-queue',
    taskQueue,
    '--interval',
    '30s',
  ];
  const started = Date.now();
  const daemon = spawnWatched(process.execPath, args, { cwd: image, env });
  after(() => {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  });

  // Ready = workers polling + first reconcile pass done.
  let readyMs = -1;
  await within(
    (async () => {
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.status === 200) return;
        if (daemon.child.exitCode !== null) throw new Error(`capsched run exited ${daemon.child.exitCode}\n${daemon.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })(),
    90_000,
    () => `not ready in 90 s\n${daemon.stderr()}`,
  );
  readyMs = Date.now() - started;

  // The image's own HEALTHCHECK command, pointed at this port.
  const health = final.instructions.find((i) => i.keyword === 'HEALTHCHECK') as { args: string };
  const check = execForm(/CMD\s+(\[.*\])$/.exec(health.args)?.[1] ?? '') as string[];
  const checked = spawnSync(
    check[0] === 'node' ? process.execPath : (check[0] as string),
    check.slice(1).map((a) => a.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`)),
    { encoding: 'utf8', timeout: 10_000 },
  );
  assert.equal(checked.status, 0, `HEALTHCHECK failed: ${checked.stderr}`);

  const bundled = daemon
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith(BUNDLING_MARK));
  assert.ok(
    !bundled.some((l) => l.includes(join('temporal', 'workflows'))),
    `the capacity worker bundled its workflows at start instead of loading dist/workflow-bundle.js:\n${bundled.join('\n')}`,
  );
  assert.equal(bundled.length, 0, `nothing is bundled at start: the reconciler loads dist/reconciler-bundle.js too:\n${bundled.join('\n')}`);

  // One short capacity window through the daemon's in-process worker.
  const input: CapacityChangeInput = { namespace, desiredTrus: 4, endTime: new Date(Date.now() + 6_000).toISOString(), verifyDelay: '1s', plan: 'image-test' };
  const result = await temporal.client.workflow.execute<(i: CapacityChangeInput) => Promise<CapacityChangeResult>>(CAPACITY_CHANGE_WORKFLOW, {
    taskQueue,
    workflowId: `image-window-${suffix}`,
    args: [input],
    workflowExecutionTimeout: '2 minutes',
  });
  assert.deepEqual(result.errors, []);
  assert.equal(
    result.initialChangeSuccess && result.verificationSuccess && result.revertedToOnDemand && result.revertVerificationSuccess,
    true,
    JSON.stringify(result),
  );
  const changes = simulator.changes(namespace).map((c) => (c.target.mode === 'provisioned' ? `provisioned:${c.trus}` : 'onDemand'));
  assert.deepEqual(changes, ['provisioned:4', 'onDemand'], 'the simulator saw the raise and the revert');
  assert.equal(simulator.capacityOf(namespace).mode, 'onDemand');

  // SIGTERM (docker stop): drain and exit 0.
  daemon.child.kill('SIGTERM');
  const exit = await within(daemon.exited, 60_000, () => `no exit after SIGTERM\n${daemon.stderr()}`);
  assert.equal(exit.code, 0, daemon.stderr());
  console.log(
    `image path: ready ${readyMs} ms after spawn (under test load); bundling at start: ${bundled.length === 0 ? 'none' : bundled.map((l) => l.slice(BUNDLING_MARK.length + 1)).join(', ')}`,
  );
});
