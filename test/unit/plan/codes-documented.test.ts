import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { FILE_LEVEL_CODES } from './file-level-codes.js';

// Every code the validator can emit is documented in docs/plan-format.md and has a fixture
// (a YAML file under test/unit/plan/fixtures, or a case in file-checks.test.ts).

function emittedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const dir of ['src/core/plan', 'src/core/windows']) {
    for (const name of readdirSync(join(packageRoot(), dir)).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(packageRoot(), dir, name), 'utf8');
      for (const m of text.matchAll(/(?:issue\([^;]*?|coded\(\s*ctx,\s*|fail\(\s*|code:\s*|warn\([^;]*?)'([a-z]+(?:-[a-z0-9]+)+|overlap)'/g)) codes.add(m[1]!);
    }
  }
  return codes;
}

test('every emitted code is documented and has a fixture; every documented code exists', () => {
  const doc = readFileSync(join(packageRoot(), 'docs', 'plan-format.md'), 'utf8');
  const documented = new Set(
    [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)]
      .map((m) => m[1]!)
      .filter(
        (c) =>
          ![
            'apiVersion',
            'kind',
            'name',
            'namespace',
            'namespaces',
            'trus',
            'steps',
            'cron',
            'at',
            'timezone',
            'duration',
            'until',
            'paused',
            'description',
            'lead',
            'release',
          ].includes(c),
      ),
  );
  const fixtures = new Set([...readdirSync(join(packageRoot(), 'test', 'unit', 'plan', 'fixtures')).map((f) => f.replace(/\.yaml$/, '')), ...FILE_LEVEL_CODES]);
  const emitted = emittedCodes();
  for (const code of ['overlap', 'cron-never-fires', 'file-symlink', 'duplicate-name', 'dst-repeated']) assert.ok(emitted.has(code), `scanner finds ${code}`);
  assert.ok(emitted.size > 40, `found ${emitted.size} codes in the source`);
  assert.deepEqual([...emitted].filter((c) => !documented.has(c)).sort(), [], 'emitted but not documented');
  assert.deepEqual([...emitted].filter((c) => !fixtures.has(c)).sort(), [], 'emitted but without a fixture');
  assert.deepEqual([...documented].filter((c) => !emitted.has(c)).sort(), [], 'documented but never emitted');
});
