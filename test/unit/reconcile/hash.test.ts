import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { sha256Hex, stableStringify } from '../../../src/core/desired/hash.js';

test('the pure SHA-256 matches node:crypto', () => {
  for (const text of ['', 'abc', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'é€𝄞 capsched', 'a'.repeat(1000)]) {
    assert.equal(sha256Hex(text), createHash('sha256').update(text, 'utf8').digest('hex'), text.slice(0, 10));
  }
});

test('stableStringify does not depend on key order', () => {
  assert.equal(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }), stableStringify({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }));
});
