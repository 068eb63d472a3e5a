/**
 * src/compose.ts is the only place outside the adapters themselves that builds an adapter:
 * commands (src/cli, src/dev) ask it, so wiring changes in one file.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';

const src = join(packageRoot(), 'src');
const FACTORIES =
  /\b(createCloudOpsClient|createTemporalScheduleStore|createSlackNotifier|createPlanSource|createFolderPlanSource|createGitPlanSource|createCapacityWorker|createPrCommenter)\s*\(/g;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

test('adapters are constructed only in src/compose.ts (and inside the adapters)', () => {
  const offenders: string[] = [];
  let composeCalls = 0;
  for (const file of sources(src)) {
    const rel = relative(src, file);
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const calls = [...text.matchAll(FACTORIES)].filter((m) => !/function\s*$/.test(text.slice(Math.max(0, m.index - 20), m.index)));
    if (rel === 'compose.ts') composeCalls = calls.length;
    else if (!rel.startsWith('adapters/')) offenders.push(...calls.map((m) => `${rel}: ${m[1]}`));
  }
  assert.ok(composeCalls >= 6, `compose.ts builds the adapters (found ${composeCalls} factory calls)`);
  assert.deepEqual(offenders, [], 'build adapters through src/compose.ts');
});
