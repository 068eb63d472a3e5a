/**
 * zod's issues, placed: each becomes an Issue at the file, line and column of the key or value
 * its full path names (`trus`, `namespaces[1]`, `steps[2].after`), with a stable code and a
 * message that says how to fix it. The schema's own checks (schema.ts) carry their code and
 * message; zod's built-in issues get them here. Every issue zod raises yields at least one Issue,
 * so a rejected document is never silent.
 */
import type { z } from 'zod';
import { closest } from '../time/zone.js';
import type { Issue } from './issues.js';
import { CapacityPlan, issueCode, PLAN_API_VERSION, PLAN_KIND, PlanStepSchema, VALID_TRUS } from './schema.js';
import { issue, type PlanDocumentSource, type Position } from './yaml-documents.js';

type Path = readonly PropertyKey[];

/** `['steps', 2, 'after']` → `steps[2].after`. */
export function fieldPath(path: Path): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

/** The path with its list indices left out, as the tables below name fields: `steps[].after`. */
function fieldPattern(path: Path): string {
  return fieldPath(path.map((key) => (typeof key === 'number' ? -1 : key))).replaceAll('[-1]', '[]');
}

/** The fields a mapping may have, by its pattern. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(CapacityPlan.shape),
  'steps[]': Object.keys(PlanStepSchema.shape),
};
/** At most this many unknown top-level fields are named one by one. */
const MAX_REPORTED = 20;

/** How the type of a field is said in a wrong-type message, by pattern (or by its last key). */
const TYPE_HINTS: Record<string, string> = {
  trus: `a number: one of ${VALID_TRUS.join(', ')}`,
  paused: 'true or false',
  duration: 'text such as "45m", "3h", "1h30m" or "1.5h"',
  cron: 'a quoted cron expression, e.g. "0 23 * * 1-5"',
  at: 'a quoted date-time, e.g. "2026-12-24T09:00"',
  until: 'a quoted date-time, e.g. "2026-12-24T17:00"',
  namespaces: 'a list of namespace ids, e.g. [payments.a1b2c, orders.a1b2c]',
  'namespaces[]': 'a namespace id such as "payments.a1b2c"',
  steps: 'a list of steps, e.g. [{ after: 0h, trus: 4 }, { after: 1h, trus: 8 }]',
  'steps[]': 'a mapping such as { after: 1h, trus: 8 }',
  lead: 'text such as "3m"',
  release: 'at-end or early',
};

/** What a nested mapping holds, for a missing-field message, by pattern. */
const SHAPES: Record<string, string> = { 'steps[]': 'a step is { after: 1h, trus: 8 }' };

const NAMESPACE_ID = 'a Temporal Cloud namespace id such as "payments.a1b2c" (letters, digits, ".", "-", "_")';

/**
 * The code and message for a value zod rejects, by pattern (or by its last key). `anyType`: the
 * code also covers a value of the wrong type (a step offset may be text or a bare 0).
 */
const VALUE_PROBLEMS: Record<string, { code: string; message: (v: unknown, field: string) => string; anyType?: boolean }> = {
  apiVersion: { code: 'invalid-api-version', message: (v) => `apiVersion must be "${PLAN_API_VERSION}", not "${String(v)}"` },
  kind: { code: 'invalid-kind', message: (v) => `kind must be "${PLAN_KIND}", not "${String(v)}"` },
  name: {
    code: 'invalid-name',
    message: () => 'name must be 1–63 lowercase letters, digits and dashes, starting with a letter or digit (e.g. "nightly-batch")',
  },
  namespace: { code: 'invalid-namespace', message: (_v, field) => `${field} must be ${NAMESPACE_ID}` },
  'namespaces[]': { code: 'invalid-namespace', message: (_v, field) => `${field} must be ${NAMESPACE_ID}` },
  trus: { code: 'invalid-trus', message: (v) => `trus ${String(v)} is not a value Temporal Cloud accepts; use one of ${VALID_TRUS.join(', ')}` },
  'steps[].after': {
    code: 'invalid-step-offset',
    message: (v, field) => `${field} must be an offset such as "0h", "1h" or "1h30m", not ${describeValue(v)}`,
    anyType: true,
  },
  description: { code: 'description-too-long', message: () => 'description may be at most 1000 characters' },
  cron: { code: 'cron-empty', message: () => 'cron is empty; write five fields, e.g. "0 23 * * 1-5"' },
  timezone: { code: 'unknown-timezone', message: (v) => `unknown time zone "${String(v)}"; use an IANA name such as "America/New_York" or "UTC"` },
  duration: { code: 'invalid-duration', message: (v) => `duration "${String(v)}" is not a length; write e.g. "45m", "3h", "1h30m"` },
  at: { code: 'invalid-date-time', message: (v) => `at: "${String(v)}" is not a date-time; write "YYYY-MM-DDTHH:MM", e.g. "2026-12-24T09:00"` },
  until: { code: 'invalid-date-time', message: (v) => `until: "${String(v)}" is not a date-time; write "YYYY-MM-DDTHH:MM", e.g. "2026-12-24T17:00"` },
  lead: { code: 'invalid-lead', message: (v) => `lead "${String(v)}" is not a length; write how long before the start to raise, e.g. "3m"` },
  release: { code: 'invalid-release', message: (v) => `release must be "at-end" (the default) or "early", not ${describeValue(v)}` },
};

function describeValue(v: unknown): string {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v} ${String(v as number | boolean | bigint)}`;
}

/** A value's type in zod's words (`array`, `null`, `object`, `string`, …). */
function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** The last key of a path that names a field (`after` in `steps[2].after`), or its pattern. */
function lookup<T>(table: Record<string, T>, path: Path): T | undefined {
  const pattern = fieldPattern(path);
  if (pattern in table) return table[pattern];
  const leaf = [...path].reverse().find((key) => typeof key === 'string');
  return typeof leaf === 'string' && leaf in table ? table[leaf] : undefined;
}

/** The value at a path of the document, and whether it is there at all. */
function valueAt(raw: unknown, path: Path): { present: boolean; value: unknown } {
  let node: unknown = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return { present: false, value: undefined };
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value: node };
}

/** zod's issues about one document, each placed by its full path. */
export function schemaIssues(doc: PlanDocumentSource, zodIssues: readonly z.core.$ZodIssue[]): Issue[] {
  const { file, raw, positions } = doc;
  /** Where the value at a path is; for a path that is not there, where its nearest parent is. */
  const valuePos = (path: Path): Position => {
    for (let n = path.length; n > 0; n--) {
      const at = positions.values.get(fieldPath(path.slice(0, n)));
      if (at !== undefined) return at;
    }
    return doc.at;
  };
  const keyPos = (path: Path): Position => positions.keys.get(fieldPath(path)) ?? valuePos(path);
  const out: Issue[] = [];
  // One issue per path: the schema's own checks (with their code) say it better than zod's built-in ones.
  const byPath = new Map<string, z.core.$ZodIssue[]>();
  for (const zi of zodIssues) {
    if (zi.code === 'unrecognized_keys') {
      out.push(...unknownKeys(zi.path, zi.keys));
      continue;
    }
    const key = fieldPath(zi.path);
    const group = byPath.get(key);
    if (group === undefined) byPath.set(key, [zi]);
    else group.push(zi);
  }
  for (const [field, group] of byPath) {
    const coded = group.filter((zi) => issueCode(zi) !== undefined);
    if (coded.length > 0) {
      for (const zi of coded) out.push(issue(file, valuePos(zi.path), field, issueCode(zi)!, zi.message));
      continue;
    }
    out.push(builtIn(field, group[0]!));
  }
  return out;

  function unknownKeys(parent: Path, keys: readonly string[]): Issue[] {
    const known = lookup(KNOWN_KEYS, parent) ?? [];
    const issues: Issue[] = [];
    if (parent.length === 0 && keys.length > MAX_REPORTED) {
      const key = keys[MAX_REPORTED]!;
      issues.push(issue(file, keyPos([key]), key, 'unknown-field', `${keys.length - MAX_REPORTED} more unknown fields; known fields: ${known.join(', ')}`));
    }
    for (const key of parent.length === 0 ? keys.slice(0, MAX_REPORTED) : keys) {
      const path = [...parent, key];
      const suggestion = closest(key, known);
      const hint = suggestion === undefined ? `known fields: ${known.join(', ')}` : `did you mean "${suggestion}"?`;
      const where = parent.length === 0 ? '' : ` in ${fieldPath(parent)}`;
      issues.push(issue(file, keyPos(path), fieldPath(path), 'unknown-field', `unknown field "${key}"${where}; ${hint}`));
    }
    return issues;
  }

  function builtIn(field: string, zi: z.core.$ZodIssue): Issue {
    const { present, value } = valueAt(raw, zi.path);
    if (!present) {
      const parent = zi.path.slice(0, -1);
      const key = String(zi.path[zi.path.length - 1]);
      if (parent.length === 0) {
        const example = key === 'apiVersion' ? ` (apiVersion: ${PLAN_API_VERSION})` : key === 'kind' ? ` (kind: ${PLAN_KIND})` : '';
        return issue(file, doc.at, field, 'missing-field', `required field "${key}" is missing${example}`);
      }
      const shape = lookup(SHAPES, parent);
      return issue(file, valuePos(parent), field, 'missing-field', `${fieldPath(parent)} is missing "${key}"${shape === undefined ? '' : ` (${shape})`}`);
    }
    const problem = lookup(VALUE_PROBLEMS, zi.path);
    // The type zod wanted: from a type issue, or from the literal values it lists.
    const expected = zi.code === 'invalid_type' ? zi.expected : zi.code === 'invalid_value' ? typeOf(zi.values[0]) : typeOf(value);
    if (typeOf(value) !== expected && problem?.anyType !== true)
      return issue(file, valuePos(zi.path), field, 'wrong-type', `${field} must be ${lookup(TYPE_HINTS, zi.path) ?? expected}, not ${describeValue(value)}`);
    if (problem !== undefined) return issue(file, valuePos(zi.path), field, problem.code, problem.message(value, field));
    return issue(file, valuePos(zi.path), field, 'wrong-type', `${field}: ${zi.message}`);
  }
}
