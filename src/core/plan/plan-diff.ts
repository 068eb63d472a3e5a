import { CapacityPlan } from './schema.js';
import type { FieldChange } from '../field-change.js';

/**
 * Plan changes between two revisions, field by field. Plans are identified by `name` (unique
 * across the repository; it is what the Temporal Schedule id derives from), so a plan that moved
 * to another file keeps its identity. Pure: no I/O, no clock.
 */

/** A plan as found at one revision: its (defaulted) fields and where it was written. */
export interface LocatedPlan {
  plan: CapacityPlan;
  file: string;
  line?: number;
}

/** One field of a plan that differs between revisions (values as written). */
export type { FieldChange } from '../field-change.js';

export type PlanChangeKind = 'added' | 'removed' | 'changed' | 'moved' | 'renamed' | 'unreadable';

export interface PlanChange {
  kind: PlanChangeKind;
  /** Head name; for `removed`/`unreadable` the base name. */
  name: string;
  /** For `renamed`: the base name. */
  previousName?: string;
  /** Namespaces the change touches (base and head namespace when it moved namespace). */
  namespaces: string[];
  base?: LocatedPlan;
  head?: LocatedPlan;
  /**
   * changed/renamed/moved: the differing fields in schema order; `file` is listed last when the
   * plan moved files. Empty for added/removed/unreadable.
   */
  fields: FieldChange[];
}

export interface PlanDiff {
  changes: PlanChange[];
  counts: Record<PlanChangeKind | 'unchanged', number>;
}

export interface PlanDiffOptions {
  /**
   * Files that head could not read or parse cleanly. A base plan that is missing from head and whose
   * base file is one of these is reported as `unreadable` (not `removed`): the plan may still be
   * there, hidden behind a validation error.
   */
  headFilesWithErrors?: ReadonlySet<string>;
}

/** Field order for the report: the schema's own order, so new fields are picked up automatically. */
export const PLAN_FIELDS: readonly string[] = Object.keys(CapacityPlan.shape);

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

function fieldChanges(before: LocatedPlan, after: LocatedPlan, ignore: ReadonlySet<string>): FieldChange[] {
  const out: FieldChange[] = [];
  const b = asWritten(before);
  const a = asWritten(after);
  const extra = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !PLAN_FIELDS.includes(k)).sort();
  for (const field of [...PLAN_FIELDS, ...extra]) {
    if (ignore.has(field)) continue;
    if (!sameValue(b[field], a[field])) out.push({ field, before: b[field], after: a[field] });
  }
  if (before.file !== after.file) out.push({ field: 'file', before: before.file, after: after.file });
  return out;
}

/**
 * The plan's fields as its document has them: a `namespaces:` plan is loaded once per namespace
 * with `namespace` set to one of them; the diff compares the list, not that one namespace. A
 * ramp's `trus` is its peak, set by the loader: the diff compares the steps, not that peak.
 */
function asWritten(p: LocatedPlan): Record<string, unknown> {
  let plan = p.plan as Record<string, unknown>;
  if (p.plan.namespaces !== undefined) {
    const { namespace: _one, ...rest } = plan;
    plan = rest;
  }
  if (p.plan.steps !== undefined) {
    const { trus: _peak, ...rest } = plan;
    plan = rest;
  }
  return plan;
}

function byName(plans: readonly LocatedPlan[]): Map<string, LocatedPlan> {
  const map = new Map<string, LocatedPlan>();
  // The first occurrence wins; duplicate names are a validation error reported elsewhere.
  for (const p of plans) if (!map.has(p.plan.name)) map.set(p.plan.name, p);
  return map;
}

function namespacesOf(...plans: (LocatedPlan | undefined)[]): string[] {
  return [...new Set(plans.flatMap((p) => (p === undefined ? [] : (p.plan.namespaces ?? [p.plan.namespace]))))].sort();
}

const KIND_ORDER: Record<PlanChangeKind, number> = { added: 0, changed: 1, renamed: 2, moved: 3, removed: 4, unreadable: 5 };
const NAME_ONLY = new Set(['name']);

/** Compares base and head plans by name. Deterministic: changes are sorted by kind, then name. */
export function diffPlans(base: readonly LocatedPlan[], head: readonly LocatedPlan[], options: PlanDiffOptions = {}): PlanDiff {
  const baseByName = byName(base);
  const headByName = byName(head);
  const counts: PlanDiff['counts'] = { added: 0, removed: 0, changed: 0, moved: 0, renamed: 0, unreadable: 0, unchanged: 0 };
  const changes: PlanChange[] = [];

  for (const [name, after] of headByName) {
    const before = baseByName.get(name);
    if (before === undefined) continue;
    const fields = fieldChanges(before, after, new Set());
    if (fields.length === 0) {
      counts.unchanged++;
      continue;
    }
    const kind = fields.every((f) => f.field === 'file') ? 'moved' : 'changed';
    changes.push({ kind, name, namespaces: namespacesOf(before, after), base: before, head: after, fields });
  }

  const added = [...headByName.values()].filter((p) => !baseByName.has(p.plan.name));
  const removed = [...baseByName.values()].filter((p) => !headByName.has(p.plan.name));

  // A rename is a removed plan and an added plan identical in every other field. Paired 1:1 in
  // name order so the result does not depend on file order.
  const unpaired = new Set(added);
  for (const before of removed.sort((x, y) => (x.plan.name < y.plan.name ? -1 : 1))) {
    const match = [...unpaired]
      .sort((x, y) => (x.plan.name < y.plan.name ? -1 : 1))
      .find((after) => fieldChanges(before, after, NAME_ONLY).every((f) => f.field === 'file'));
    if (match !== undefined) {
      unpaired.delete(match);
      const fields = fieldChanges(before, match, new Set());
      changes.push({
        kind: 'renamed',
        name: match.plan.name,
        previousName: before.plan.name,
        namespaces: namespacesOf(before, match),
        base: before,
        head: match,
        fields,
      });
      continue;
    }
    const unreadable = options.headFilesWithErrors?.has(before.file) === true;
    changes.push({ kind: unreadable ? 'unreadable' : 'removed', name: before.plan.name, namespaces: namespacesOf(before), base: before, fields: [] });
  }
  for (const after of unpaired) changes.push({ kind: 'added', name: after.plan.name, namespaces: namespacesOf(after), head: after, fields: [] });

  for (const c of changes) counts[c.kind]++;
  changes.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { changes, counts };
}

/** Every namespace a diff touches, sorted. */
export function affectedNamespaces(diff: PlanDiff): string[] {
  return [...new Set(diff.changes.flatMap((c) => c.namespaces))].sort();
}
