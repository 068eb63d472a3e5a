import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validatePlans } from '../../../src/core/plan/validate.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { packageRoot } from '../../../src/paths.js';

// One fixture per code: test/unit/plan/fixtures/<code>.yaml starts with lines
//   # expect: <code> <line>:<column> [field]
// and validating it must report exactly those problems (and nothing else).

const NOW = Date.parse('2026-12-01T00:00:00Z');
const dir = join(packageRoot(), 'test', 'unit', 'plan', 'fixtures');

for (const name of readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()) {
  test(`fixture ${name}`, () => {
    const bytes = readFileSync(join(dir, name));
    const text = bytes.toString('utf8');
    const expected = [...text.matchAll(/^# expect: (\S+) (\d+):(\d+) ?(\S*)$/gm)].map((m) => `${m[1]} ${m[2]}:${m[3]} ${m[4] ?? ''}`);
    assert.ok(expected.length > 0, 'fixture declares what it expects');
    const file: PlanFile = { path: `fixtures/${name}`, kind: 'file', size: bytes.length, bytes: new Uint8Array(bytes) };
    const report = validatePlans([file], { now: NOW });
    const got = [...report.errors, ...report.warnings].map((i) => `${i.code} ${i.line}:${i.column} ${i.field}`);
    assert.deepEqual(got.sort(), expected.sort(), JSON.stringify([...report.errors, ...report.warnings], null, 2));
    for (const i of [...report.errors, ...report.warnings]) {
      assert.equal(i.file, `fixtures/${name}`);
      assert.ok(i.message.length > 10, 'a message that says what to do');
      assert.ok(!i.message.includes('\n'), 'one line, no code frame');
    }
    const isWarning = report.errors.length === 0;
    if (isWarning) {
      assert.equal(report.valid, true, 'warnings alone keep the plans valid');
      const strict = validatePlans([file], { now: NOW, strict: true });
      assert.equal(strict.valid, false, '--strict turns warnings into errors');
      assert.equal(strict.warnings.length, 0);
    } else assert.equal(report.valid, false);
  });
}
