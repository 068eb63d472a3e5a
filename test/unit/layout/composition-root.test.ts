/**
 * src/compose.ts is the composition root: the only place in src/ that opens a Temporal
 * connection, makes a Temporal client, or calls an adapter's factory (outside the adapters
 * themselves, and the capacity worker's). Commands ask it, so wiring changes in one file. The factories are found in
 * src/adapters (every exported `create…`), not listed here; tests and the dev-server harness
 * (src/adapters/temporal-dev-server, which waits for the server it starts) are excepted.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';

const src = join(packageRoot(), 'src');
const DEV_SERVER_HARNESS = 'adapters/temporal-dev-server/';
/** What builds a Temporal connection or client. */
const TEMPORAL_CONSTRUCTION = /\b(?:Native)?Connection\.connect\s*\(|\bnew\s+(?:Workflow|Schedule)?Client\s*\(/g;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

const files = sources(src).map((file) => ({ rel: relative(src, file), text: code(file) }));

/** Exported factories of the adapters and of the capacity worker: `export [async] function createX(`. */
function adapterFactories(): string[] {
  const names = new Set<string>();
  for (const { rel, text } of files) {
    if (!rel.startsWith('adapters/') && rel !== 'temporal/worker.ts') continue;
    for (const m of text.matchAll(/\bexport\s+(?:async\s+)?function\s+(create[A-Z]\w*)\s*[(<]/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

test('Temporal connections and clients are made only in src/compose.ts (the dev-server harness excepted)', () => {
  const offenders: string[] = [];
  let composeSites = 0;
  for (const { rel, text } of files) {
    const found = [...text.matchAll(TEMPORAL_CONSTRUCTION)].map((m) => `${rel}: ${m[0].replace(/\s+/g, ' ')}`);
    if (rel === 'compose.ts') composeSites = found.length;
    else if (!rel.startsWith(DEV_SERVER_HARNESS)) offenders.push(...found);
  }
  assert.equal(composeSites, 2, 'compose.ts opens the one connection and makes the one client');
  assert.deepEqual(offenders, [], 'connect to Temporal through compose.connectTemporal');
});

test('adapters are constructed only in src/compose.ts (and inside the adapters)', () => {
  const factories = adapterFactories();
  assert.ok(factories.length >= 8, `the adapters export their factories (found ${factories.join(', ')})`);
  const call = new RegExp(`\\b(${factories.join('|')})\\s*\\(`, 'g');
  const offenders: string[] = [];
  let composeCalls = 0;
  for (const { rel, text } of files) {
    const calls = [...text.matchAll(call)].filter((m) => !/function\s*$/.test(text.slice(Math.max(0, m.index - 20), m.index)));
    if (rel === 'compose.ts') composeCalls = calls.length;
    else if (!rel.startsWith('adapters/')) offenders.push(...calls.map((m) => `${rel}: ${m[1]}`));
  }
  assert.ok(composeCalls >= 6, `compose.ts builds the adapters (found ${composeCalls} factory calls)`);
  assert.deepEqual(offenders, [], 'build adapters through src/compose.ts');
});
