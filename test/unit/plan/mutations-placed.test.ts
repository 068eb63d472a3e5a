/**
 * Every rejection is placed. Valid example plans (schedules/*.yaml and the fixtures that load) are
 * mutated, one field at a time, to values zod rejects — wrong types, negative numbers, missing
 * required fields, bad step fields, bad `namespaces` items, unknown keys — and the loader must
 * reject the document with an error that names the file, the mutated field's full path
 * (`steps[1].after`, `namespaces[0]`) and the line of the mutated node (or of its parent when the
 * node was removed). Every other error must point at the node its field names, too.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, type Document } from 'yaml';
import { loadPlans } from '../../../src/core/plan/load.js';
import { CapacityPlan, NamespaceId, PlanStepSchema } from '../../../src/core/plan/schema.js';
import type { Issue } from '../../../src/core/plan/issues.js';
import type { PlanFile } from '../../../src/core/ports.js';
import { packageRoot } from '../../../src/paths.js';

type Path = (string | number)[];
const FILE = 'schedules/mutated.yaml';

function planFile(text: string): PlanFile {
  const bytes = new TextEncoder().encode(text);
  return { path: FILE, kind: 'file', size: bytes.length, bytes };
}

/** `['steps', 1, 'after']` → `steps[1].after`, as the loader names fields. */
function fieldOf(path: Path): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  return out;
}

/** `steps[1].after` → `['steps', 1, 'after']`. */
function pathOf(field: string): Path {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
}

/** The valid single-document plans the mutations start from. */
let seedCache: { label: string; text: string }[] | undefined;
function seeds(): { label: string; text: string }[] {
  if (seedCache !== undefined) return seedCache;
  const out: { label: string; text: string }[] = [];
  const dirs = [
    ['schedules', join(packageRoot(), 'schedules')],
    ['test/unit/plan/fixtures', join(packageRoot(), 'test', 'unit', 'plan', 'fixtures')],
  ] as const;
  for (const [name, dir] of dirs) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).forEach((doc, i) => {
        if (doc.errors.length > 0) return; // the fixtures of YAML errors
        const text = doc.toString({ lineWidth: 0 });
        const loaded = loadPlans([planFile(text)]);
        if (loaded.plans.length > 0 && !loaded.issues.some((x) => x.severity === 'error')) out.push({ label: `${name}/${file}#${i}`, text });
      });
    }
  }
  // A `namespaces:` plan: nightly-batch written for three namespaces.
  const nightly = out.find((s) => s.label.endsWith('nightly-batch.yaml#0'))!;
  const doc = parseDocument(nightly.text);
  doc.delete('namespace');
  doc.set('namespaces', doc.createNode(['payments.a1b2c', 'orders.a1b2c', 'ledger.a1b2c'], { flow: true }));
  out.push({ label: 'nightly-batch with namespaces', text: doc.toString({ lineWidth: 0 }) });
  seedCache = out;
  return out;
}

/** Where a path's key and value start (1-based lines) in a text, or undefined when the path is not there. */
function linesAt(text: string, path: Path): { key?: number; value: number } | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const line = (offset: number | undefined): number => counter.linePos(offset ?? 0).line;
  if (path.length === 0) return { value: line(doc.contents?.range?.[0]) };
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1]!;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
    if (pair === undefined) return undefined;
    const key = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    const value = isScalar(pair.value) || isMap(pair.value) || isSeq(pair.value) ? pair.value.range?.[0] : key;
    return { key: line(key), value: line(value) };
  }
  if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last];
    if (!(isScalar(item) || isMap(item) || isSeq(item))) return undefined;
    return { value: line(item.range?.[0]) };
  }
  return undefined;
}

/**
 * The lines an issue about `field` may be on: the key's or value's line when the field is
 * there; else (a missing field) its nearest parent's value line, the document's start at the top.
 */
function allowedLines(text: string, field: string): number[] {
  const path = pathOf(field);
  for (let n = path.length; n >= 0; n--) {
    const at = linesAt(text, path.slice(0, n));
    if (at !== undefined) return at.key === undefined ? [at.value] : [at.key, at.value];
  }
  return [];
}

/** Loads a mutated text and checks every error is placed; returns the errors. */
function placed(label: string, text: string): Issue[] {
  const { plans, issues } = loadPlans([planFile(text)]);
  const errors = issues.filter((i) => i.severity === 'error');
  assert.ok(errors.length > 0 && plans.length === 0, `${label}: rejected with an error\n${text}`);
  const lineCount = text.split('\n').length;
  for (const e of errors) {
    assert.equal(e.file, FILE, label);
    assert.ok(e.line >= 1 && e.line <= lineCount && e.column >= 1, `${label}: ${e.code} at ${e.line}:${e.column}`);
    assert.ok(e.field !== '', `${label}: ${e.code} names a field`);
    assert.ok(allowedLines(text, e.field).includes(e.line), `${label}: ${e.code} ${e.field} at line ${e.line}, not at its node\n${text}`);
    assert.ok(!e.message.includes('\n') && e.message.length > 10, label);
  }
  return errors;
}

/** Sets (or, with `undefined`, removes) the value at a path; returns the new text. */
function mutate(text: string, path: Path, value: unknown): string {
  const doc = parseDocument(text) as Document;
  if (value === undefined) doc.deleteIn(path);
  else doc.setIn(path, doc.createNode(value));
  return doc.toString({ lineWidth: 0 });
}

/** The schema of the value at a path, to tell whether zod rejects a value there by itself. */
function schemaAt(path: Path): { safeParse(v: unknown): { success: boolean } } | undefined {
  const [top, index, key] = path;
  if (path.length === 1) return CapacityPlan.shape[top as keyof typeof CapacityPlan.shape];
  if (top === 'namespaces' && path.length === 2) return NamespaceId;
  if (top === 'steps' && path.length === 2 && typeof index === 'number') return PlanStepSchema;
  if (top === 'steps' && path.length === 3 && (key === 'after' || key === 'trus')) return PlanStepSchema.shape[key];
  return undefined;
}

/** Every path of a plan the mutations touch: its fields, each step and step field, each namespace. */
function pathsOf(text: string): Path[] {
  const raw = parseDocument(text).toJS() as Record<string, unknown>;
  const out: Path[] = [];
  for (const [field, value] of Object.entries(raw)) {
    out.push([field]);
    if (!Array.isArray(value)) continue;
    value.forEach((item, i) => {
      out.push([field, i]);
      if (item !== null && typeof item === 'object') for (const key of Object.keys(item)) out.push([field, i, key]);
    });
  }
  return out;
}

const BAD_VALUES: unknown[] = ['eight', '', -1, -4, 0, 5, 1.5, true, null, [1, 2], { a: 1 }, '-3h', '90s', 'soon', 'Bad Id!', 'x'.repeat(300)];
const REQUIRED = new Set(['apiVersion', 'kind', 'name', 'steps[].after', 'steps[].trus']);

test('every field mutated to a value zod rejects is reported at that field, on its line', () => {
  let checked = 0;
  for (const seed of seeds()) {
    for (const path of pathsOf(seed.text)) {
      const field = fieldOf(path);
      const schema = schemaAt(path);
      if (schema === undefined) continue;
      for (const value of BAD_VALUES) {
        if (schema.safeParse(value).success) continue;
        const text = mutate(seed.text, path, value);
        const label = `${seed.label}: ${field} = ${JSON.stringify(value)}`;
        const errors = placed(label, text);
        // At the field on its line, or (a list or mapping of bad items) inside it, on each item's line.
        const line = linesAt(text, path)!.value;
        assert.ok(
          errors.some((e) => (e.field === field && e.line === line) || e.field.startsWith(`${field}[`) || e.field.startsWith(`${field}.`)),
          `${label}: an error at ${field} on line ${line}; got ${JSON.stringify(errors.map((e) => `${e.code} ${e.line} ${e.field}`))}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `the mutations exercise the schema (${checked} rejections checked)`);
});

test('a required field removed is reported by its path, on its parent’s line', () => {
  let checked = 0;
  for (const seed of seeds()) {
    for (const path of pathsOf(seed.text)) {
      const pattern = fieldOf(path.map((k) => (typeof k === 'number' ? -1 : k))).replaceAll('[-1]', '[]');
      if (!REQUIRED.has(pattern)) continue;
      const text = mutate(seed.text, path, undefined);
      const label = `${seed.label}: without ${fieldOf(path)}`;
      const errors = placed(label, text);
      const parentLine = linesAt(text, path.slice(0, -1))!.value;
      assert.ok(
        errors.some((e) => e.code === 'missing-field' && e.field === fieldOf(path) && e.line === parentLine),
        `${label}: missing-field at line ${parentLine}; got ${JSON.stringify(errors.map((e) => `${e.code} ${e.line} ${e.field}`))}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 40, `${checked} removals checked`);
});

test('list rules and unknown keys inside steps and namespaces are placed at the item', () => {
  for (const seed of seeds()) {
    const raw = parseDocument(seed.text).toJS() as { steps?: unknown[]; namespaces?: string[] };
    const cases: { label: string; path: Path; value: unknown; code: string }[] = [];
    if (raw.steps !== undefined) {
      cases.push({ label: 'an unknown step key', path: ['steps', 1, 'aftr'], value: '1h', code: 'unknown-field' });
      cases.push({ label: 'the first step later', path: ['steps', 0, 'after'], value: '30m', code: 'first-step-not-at-start' });
      cases.push({ label: 'a step at the start twice', path: ['steps', 1, 'after'], value: '0h', code: 'steps-not-increasing' });
      cases.push({ label: 'one step', path: ['steps'], value: [{ after: '0h', trus: 4 }], code: 'steps-too-few' });
    }
    if (raw.namespaces !== undefined) {
      cases.push({ label: 'a namespace twice', path: ['namespaces', 1], value: raw.namespaces[0], code: 'duplicate-namespace' });
      cases.push({ label: 'no namespaces', path: ['namespaces'], value: [], code: 'namespaces-empty' });
    }
    for (const c of cases) {
      const text = mutate(seed.text, c.path, c.value);
      const label = `${seed.label}: ${c.label}`;
      const errors = placed(label, text);
      const at = linesAt(text, c.path)!;
      assert.ok(
        errors.some((e) => e.code === c.code && e.field === fieldOf(c.path) && (e.line === at.value || e.line === at.key)),
        `${label}: ${c.code} at ${fieldOf(c.path)}; got ${JSON.stringify(errors.map((e) => `${e.code} ${e.line} ${e.field}`))}`,
      );
    }
  }
});

test('any value zod rejects at any field of any example is placed (property, fixed seed)', () => {
  const all = seeds().flatMap((seed) => pathsOf(seed.text).flatMap((path) => (schemaAt(path) === undefined ? [] : [{ seed, path }])));
  const yamlValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.integer({ min: -1000, max: 1000 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), tie('value'), { maxKeys: 3 }),
    ),
  })).value;
  fc.assert(
    fc.property(fc.constantFrom(...all), yamlValue, ({ seed, path }, value) => {
      if (schemaAt(path)!.safeParse(value).success) return;
      const text = mutate(seed.text, path, value);
      // A value YAML reads back differently (e.g. -0) is not the mutation under test.
      const back = parseDocument(text).toJS() as Record<string, unknown>;
      if (schemaAt(path)!.safeParse(path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], back)).success) return;
      const errors = placed(`${seed.label}: ${fieldOf(path)} = ${JSON.stringify(value)}`, text);
      assert.ok(errors.some((e) => e.field.startsWith(fieldOf(path))));
    }),
    { seed: 20261206, numRuns: 400 },
  );
});
