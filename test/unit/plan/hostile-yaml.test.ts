import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlans } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';

// Hostile input must be refused quickly and without a crash, a hang or a polluted prototype.

function file(text: string): PlanFile {
  const bytes = new TextEncoder().encode(text);
  return { path: 'evil.yaml', kind: 'file', size: bytes.length, bytes };
}

/** The CPU time the load costs (user + system of this process): other test files share the 2 cores, so wall time would measure them too. */
function timed(text: string): { codes: string[]; ms: number } {
  const start = process.cpuUsage();
  const r = loadPlans([file(text)]);
  const used = process.cpuUsage(start);
  return { codes: [...new Set(r.issues.map((i) => i.code))], ms: (used.user + used.system) / 1000 };
}

test('billion laughs is refused as aliases, without expanding them', () => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  const { codes, ms } = timed(lines.join('\n'));
  assert.deepEqual(codes, ['yaml-alias']);
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test('deep nesting in every shape is refused before the parser can blow its stack', () => {
  for (const text of [
    'a: ' + '['.repeat(500_000),
    '- '.repeat(200_000) + 'x',
    Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
    'a: ' + '{b: '.repeat(100_000),
  ]) {
    const { codes, ms } = timed(text);
    assert.deepEqual(codes, ['yaml-too-deep'], text.slice(0, 20));
    assert.ok(ms < 1000, `took ${ms} ms`);
  }
});

test('a 1 MiB document of keys or one huge scalar is handled quickly', () => {
  const keys = Array.from({ length: 60_000 }, (_, i) => `k${i}: 1`)
    .join('\n')
    .slice(0, 1024 * 1024 - 10);
  const many = timed(keys);
  assert.ok(many.codes.includes('unknown-field'));
  assert.ok(many.ms < 5000, `took ${many.ms} ms (about 1 s on a quiet 2-core VM)`);
  const huge = timed(`description: "${'x'.repeat(1024 * 1024 - 100)}"`);
  assert.ok(huge.codes.includes('description-too-long'));
  assert.ok(huge.ms < 1000, `took ${huge.ms} ms`);
});

test('__proto__ and constructor keys are refused and the prototype stays clean', () => {
  const r = loadPlans([file('__proto__: { polluted: true }\nconstructor: { prototype: { polluted: true } }\n')]);
  assert.deepEqual([...new Set(r.issues.map((i) => i.code))], ['unsafe-key']);
  assert.deepEqual(
    r.issues.map((i) => i.field),
    ['__proto__', 'constructor', 'prototype'],
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const nested = loadPlans([file('description:\n  __proto__:\n    polluted: true\n')]);
  assert.ok(nested.issues.some((i) => i.code === 'unsafe-key'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('tags of every kind are refused; yaml messages never carry a code frame', () => {
  for (const text of ['a: !!js/function "function(){}"', 'a: !custom 1', 'a: !!binary aGVsbG8=', '--- !!map\na: 1', 'a: !!str 3']) {
    const r = loadPlans([file(text)]);
    assert.ok(
      r.issues.some((i) => i.code === 'yaml-tag'),
      text,
    );
  }
  const secret = 'TOP-SECRET-LINE-CONTENT';
  const r = loadPlans([file(`name: x\n  ${secret}: [\n]]]\n`)]);
  assert.ok(r.issues.length > 0);
  for (const i of r.issues) {
    assert.ok(!i.message.includes(secret), i.message);
    assert.ok(!i.message.includes('\n'), i.message);
  }
});

test('tab indentation, NUL bytes and flow garbage give errors with positions, not crashes', () => {
  for (const text of ['apiVersion: capsched/v1\n\tkind: CapacityPlan\n', 'name: a\u0000b\n', '{]', ': : :', '? [a, b]\n: c\n', '&a [*a]']) {
    const r = loadPlans([file(text)]);
    assert.ok(
      r.issues.some((i) => i.severity === 'error'),
      JSON.stringify(text),
    );
    for (const i of r.issues) assert.ok(i.line >= 1 && i.column >= 1);
  }
});
