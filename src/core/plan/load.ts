/**
 * Loading plans: every YAML document of every plan file is one plan. The stages, each its own file:
 * yaml-documents.ts (file and YAML checks, positions), the zod schema (schema.ts) with its issues
 * placed by path (zod-issues.ts), the rules between fields and plans (rules.ts, ramp-rules.ts).
 * Reports every problem; never throws.
 */
import type { PlanFile } from '../ports.js';
import { compareIssues, type Issue } from './issues.js';
import { duplicateNames, planRules, type NamedDocument } from './rules.js';
import { CapacityPlan, expandNamespaces } from './schema.js';
import { issue, readPlanFile, type Position } from './yaml-documents.js';
import { schemaIssues } from './zod-issues.js';

export type { Issue } from './issues.js';
export { MAX_DOCUMENTS_PER_FILE, MAX_FILE_BYTES } from './yaml-documents.js';

/**
 * A plan that passed every check, with where it came from. A document with `namespaces: [a, b]`
 * yields one LoadedPlan per namespace (same file, line and document; `plan.namespace` set).
 */
export interface LoadedPlan {
  plan: CapacityPlan;
  file: string;
  /** Line where the plan's document starts. */
  line: number;
  /** 0-based index of the YAML document in its file. */
  documentIndex: number;
  /** Where each value is, by path (`trus`, `steps[2].after`), for later warnings that point at a field. */
  positions?: Record<string, Position>;
  /** Window length in ms, computed once from `duration` or `at`…`until`; null = permanent. */
  lengthMs: number | null;
}

export interface LoadResult {
  /** Valid plans only (a document with any error is left out). */
  plans: LoadedPlan[];
  /** Errors and warnings, sorted by file, line, column. */
  issues: Issue[];
}

/**
 * Reads plan files: checks the file and its YAML, the schema (strict, every issue placed by its
 * path, with suggestions for misspelt fields), the rules between fields and the cross-plan rules
 * (unique names).
 */
export function loadPlans(files: PlanFile[], options: { plansPath?: string } = {}): LoadResult {
  const issues: Issue[] = [];
  const named: { doc: NamedDocument; plans?: LoadedPlan[] }[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    for (const doc of readPlanFile(file, issues)) {
      const parsed = CapacityPlan.safeParse(doc.raw);
      const found = [...(parsed.success ? [] : schemaIssues(doc, parsed.error.issues))];
      const rules = planRules(doc);
      found.push(...rules.issues);
      issues.push(...found);
      const name = CapacityPlan.shape.name.safeParse(doc.raw.name);
      if (!name.success) continue;
      const entry: (typeof named)[number] = {
        doc: { name: name.data, file: file.path, line: doc.at.line, at: doc.positions.values.get('name') ?? doc.at },
      };
      named.push(entry);
      if (!parsed.success || doc.errors > 0 || found.some((i) => i.severity === 'error')) continue;
      const positions = Object.fromEntries(doc.positions.values);
      const multi = parsed.data.namespaces !== undefined;
      entry.plans = expandNamespaces(parsed.data).map((plan, i) => ({
        plan,
        file: file.path,
        line: doc.at.line,
        documentIndex: doc.documentIndex,
        // A warning about one namespace of a list points at that list item.
        positions: multi ? { ...positions, namespace: positions[`namespaces[${i}]`] ?? positions.namespaces! } : positions,
        lengthMs: rules.lengthMs ?? null,
      }));
    }
  }
  if (files.length === 0) {
    const where = options.plansPath === undefined ? '' : ` under ${options.plansPath}`;
    issues.push(issue(options.plansPath ?? '.', { line: 1, column: 1 }, '', 'no-plans', `no *.yaml or *.yml plan files found${where}`, 'warning'));
  }
  const clashes = duplicateNames(named.map((n) => n.doc));
  const plans: LoadedPlan[] = [];
  for (const n of named) {
    const clash = clashes.get(n.doc);
    if (clash !== undefined) issues.push(clash);
    else if (n.plans !== undefined) plans.push(...n.plans);
  }
  issues.sort(compareIssues);
  return { plans, issues };
}
