import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlans } from '../../../src/core/plan/load.js';

// YAML syntax errors say what to fix, in the plan's words, at the position the parser stopped.

function problems(text: string): string[] {
  const bytes = new TextEncoder().encode(text);
  return loadPlans([{ path: 'p.yaml', kind: 'file', size: bytes.length, bytes }]).issues.map((i) => `${i.line}:${i.column} ${i.code} ${i.message}`);
}

const HEAD = 'apiVersion: capsched/v1\nkind: CapacityPlan\nname: syntax\n';

test('an unclosed [ or { is named as such, not as bad indentation', () => {
  assert.deepEqual(problems(`${HEAD}namespace: [payments, b\ntrus: 4\n`), [
    '5:1 yaml-syntax YAML syntax error: a [ list opened on an earlier line is not closed; close it with ] or quote the value',
  ]);
  assert.deepEqual(problems(`${HEAD}namespace: {a: 1\ntrus: 4\n`), [
    '5:1 yaml-syntax YAML syntax error: a { mapping opened on an earlier line is not closed; close it with } or quote the value',
  ]);
});
