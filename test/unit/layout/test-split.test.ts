/**
 * The test folders: test/unit starts no Temporal server, test/server needs one (scripts/test.mjs
 * starts the shared dev server only when a file under test/server is selected). So no file under
 * test/unit or test/support may reach the server harness: a file under test/server, the
 * time-skipping test environment, or the dev-server start-up; and every test file is in one of
 * the two folders.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';

const root = packageRoot();

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else out.push(path);
  }
  return out;
}

/** What the server harness is made of: names a unit test must not import, and the env var it reads. */
const SERVER_NAMES = ['startDevServer', 'ensureTemporalCli', 'ensureTestServer', 'findTestServer', 'testTemporal'];
const SERVER_PACKAGES = ['@temporalio/testing'];

/** Why `text` (the file at repo-relative `file`) needs a server, or nothing when it does not. */
export function serverUses(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const statements = [
    ...code.matchAll(/\b(?:import|export)\s([^'"`;]*?)\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/()\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/(?:const|let)\s+([^=;]*?)=\s*await\s+import\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...code.matchAll(/()\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  for (const [, names = '', spec = ''] of statements) {
    if (SERVER_PACKAGES.includes(spec)) found.push(`imports ${spec}`);
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(root, dirname(file), spec));
      if (target.startsWith('test/server/')) found.push(`imports ${target}`);
    }
    for (const name of SERVER_NAMES) if (new RegExp(`\\b${name}\\b`).test(names)) found.push(`imports ${name} from ${spec}`);
  }
  if (/\bTEMPORAL_TEST_ADDRESS\b/.test(code)) found.push('reads TEMPORAL_TEST_ADDRESS');
  return [...new Set(found)];
}

test('no file under test/unit or test/support reaches the Temporal server harness', () => {
  const offenders: string[] = [];
  for (const dir of ['test/unit', 'test/support']) {
    for (const path of files(join(root, dir))) {
      if (!/\.(ts|mjs|js)$/.test(path) || path.endsWith('.d.ts')) continue;
      const file = relative(root, path);
      if (file === 'test/unit/layout/test-split.test.ts') continue; // names the harness to forbid it
      for (const why of serverUses(file, readFileSync(path, 'utf8'))) offenders.push(`${file}: ${why} (move it to test/server)`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('every test file lives under test/unit or test/server', () => {
  const stray = files(join(root, 'test'))
    .map((p) => relative(root, p))
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith('test/unit/') && !f.startsWith('test/server/'));
  assert.deepEqual(stray, []);
  // Both kinds exist: an empty folder would make the split (and `npm run test:unit`) mean nothing.
  assert.ok(files(join(root, 'test/unit')).some((f) => f.endsWith('.test.ts')));
  assert.ok(files(join(root, 'test/server')).some((f) => f.endsWith('.test.ts')));
});

test('the checker finds each way in, and passes a file that needs no server', () => {
  const f = 'test/unit/x/a.test.ts';
  assert.deepEqual(serverUses(f, "import { withWorker } from '../../server/workflow/time-skipping.js';"), ['imports test/server/workflow/time-skipping.js']);
  assert.deepEqual(serverUses(f, "import { TestWorkflowEnvironment } from '@temporalio/testing';"), ['imports @temporalio/testing']);
  assert.deepEqual(serverUses(f, "import { freePort, startDevServer } from '../../../src/adapters/temporal-dev-server/index.js';"), [
    'imports startDevServer from ../../../src/adapters/temporal-dev-server/index.js',
  ]);
  assert.deepEqual(serverUses(f, "const { testTemporal } = await import('../../server/helpers/temporal.js');"), [
    'imports test/server/helpers/temporal.js',
    'imports testTemporal from ../../server/helpers/temporal.js',
  ]);
  assert.deepEqual(serverUses(f, 'const a = process.env.TEMPORAL_TEST_ADDRESS;'), ['reads TEMPORAL_TEST_ADDRESS']);
  assert.deepEqual(
    serverUses(
      f,
      "import { freePort } from '../../../src/adapters/temporal-dev-server/index.js';\nimport { tempDir } from '../../support/git-repo.js';\n// startDevServer in a comment",
    ),
    [],
  );
});
