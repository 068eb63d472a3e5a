import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import type { PlanFile } from '../ports.js';
import type { core as zodCore } from 'zod';
import { CapacityPlan, CROSS_FIELD_RULES, expandNamespaces, NamespaceId, PLAN_API_VERSION, PLAN_KIND, VALID_TRUS } from './schema.js';
import { parseDuration } from '../capacity/duration.js';
import { peakTrus } from '../capacity/steps.js';
import { resolveDateTime } from './date-time.js';
import { compareIssues, type Issue } from './issues.js';
import { checkTimeZone, closest } from '../time/zone.js';
import { minStartGapMinutes, parseCron } from '../windows/cron.js';
import type { Window } from '../windows/windows.js';

export type { Issue } from './issues.js';

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
  /** Where each field's value is (for later warnings that point at a field). */
  positions?: Record<string, { line: number; column: number }>;
  /** Window length in ms, computed once from `duration` or `at`…`until`; null = permanent. */
  lengthMs: number | null;
  /**
   * The next windows from a moment, computed once by validateAndLoadPlans and reused by the
   * desired build (which recomputes only for another moment or count).
   */
  upcoming?: UpcomingWindows;
}

/** Windows starting (or still open) from `fromMs`: at most `count`, as core/windows computes them. */
export interface UpcomingWindows {
  fromMs: number;
  count: number;
  windows: Window[];
}

export interface LoadResult {
  /** Valid plans only (a document with any error is left out). */
  plans: LoadedPlan[];
  /** Errors and warnings, sorted by file, line, column. */
  issues: Issue[];
}

/** Files larger than this are never read. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** More YAML documents than this in one file is an error. */
export const MAX_DOCUMENTS_PER_FILE = 1000;
/** Structural nesting a plan never needs; deeper input is rejected before the YAML parser. */
const MAX_NESTING = 16;
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const KNOWN_FIELDS = Object.keys(CapacityPlan.shape);

interface Position {
  line: number;
  column: number;
}

/** A document that names a plan (valid or not): names must be unique across all of them. */
interface NamedDoc {
  name: string;
  file: string;
  /** Line where the document starts. */
  line: number;
  /** Where the name's value is. */
  at: Position;
  /** Set when the document is a valid plan: one entry per namespace. */
  plans?: LoadedPlan[];
}

interface DocContext {
  file: string;
  lineCounter: LineCounter;
  docPos: Position;
  keyPos: Map<string, Position>;
  valuePos: Map<string, Position>;
  issues: Issue[];
}

/** Offset → 1-based line and column, from the text's line starts (built once per file). */
class LineCounter {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  linePos(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}

function pos(lineCounter: LineCounter, offset: number | undefined): Position {
  const p = lineCounter.linePos(offset ?? 0);
  return { line: p.line, column: p.col };
}

function issue(file: string, at: Position, field: string, code: string, message: string, severity: 'error' | 'warning' = 'error'): Issue {
  return { file, line: at.line, column: at.column, field, code, message, severity };
}

/**
 * Reads plan files: every YAML document is one plan. Checks the file (kind, size, UTF-8), the
 * YAML (syntax, duplicate keys, no aliases/anchors/tags, no __proto__), the schema (strict, with
 * suggestions for misspelt fields), the per-plan rules (cron subset, time zone, durations,
 * at/until) and the cross-plan rules (unique names). Reports every problem; never throws.
 */
export function loadPlans(files: PlanFile[], options: { plansPath?: string } = {}): LoadResult {
  const issues: Issue[] = [];
  const named: NamedDoc[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    loadFile(file, issues, named);
  }
  if (files.length === 0) {
    const where = options.plansPath === undefined ? '' : ` under ${options.plansPath}`;
    issues.push(issue(options.plansPath ?? '.', { line: 1, column: 1 }, '', 'no-plans', `no *.yaml or *.yml plan files found${where}`, 'warning'));
  }
  // Cross-plan: names are unique across the repository (the schedule id derives from them).
  // Documents with other errors count too, so a clash is reported now, not after those are fixed.
  const byName = new Map<string, NamedDoc[]>();
  for (const n of named) {
    const list = byName.get(n.name);
    if (list === undefined) byName.set(n.name, [n]);
    else list.push(n);
  }
  const plans: LoadedPlan[] = [];
  for (const n of named) {
    const same = byName.get(n.name)!;
    if (same.length === 1) {
      if (n.plans !== undefined) plans.push(...n.plans);
      continue;
    }
    const others = same.filter((o) => o !== n).map((o) => `${o.file}:${o.line}`);
    issues.push(
      issue(
        n.file,
        n.at,
        'name',
        'duplicate-name',
        `plan name "${n.name}" is also used in ${others.join(', ')}; plan names must be unique across all files, rename one of them`,
      ),
    );
  }
  issues.sort(compareIssues);
  return { plans, issues };
}

function loadFile(file: PlanFile, issues: Issue[], out: NamedDoc[]): void {
  const top = { line: 1, column: 1 };
  if (file.kind === 'symlink') {
    issues.push(issue(file.path, top, '', 'file-symlink', 'is a symbolic link; capsched never follows links — replace it with the plan file itself'));
    return;
  }
  if (file.kind === 'submodule') {
    issues.push(issue(file.path, top, '', 'file-submodule', 'is a git submodule; plans must live in this repository — copy the plan files in'));
    return;
  }
  if (file.kind !== 'file') {
    issues.push(issue(file.path, top, '', 'file-not-regular', 'is not a regular file; only plain *.yaml/*.yml files are read'));
    return;
  }
  if (file.size > MAX_FILE_BYTES || (file.bytes !== undefined && file.bytes.length > MAX_FILE_BYTES)) {
    issues.push(
      issue(
        file.path,
        top,
        '',
        'file-too-large',
        `is ${file.size} bytes; plan files may be at most ${MAX_FILE_BYTES} bytes (1 MiB) — split it into several files`,
      ),
    );
    return;
  }
  if (file.bytes === undefined) {
    issues.push(issue(file.path, top, '', 'file-unreadable', 'could not be read'));
    return;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
  } catch {
    const loose = new TextDecoder('utf-8').decode(file.bytes);
    const bad = loose.indexOf('\uFFFD');
    const before = loose.slice(0, Math.max(0, bad));
    const line = before.split('\n').length;
    issues.push(issue(file.path, { line, column: bad - before.lastIndexOf('\n') }, '', 'file-not-utf8', 'is not valid UTF-8; save the file as UTF-8'));
    return;
  }
  const deep = nestingProblem(text);
  if (deep !== undefined) {
    issues.push(issue(file.path, deep, '', 'yaml-too-deep', `nesting is deeper than ${MAX_NESTING} levels; a plan is a flat mapping of fields`));
    return;
  }
  const lineCounter = new LineCounter(text);
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false, strict: true, schema: 'core' }) as Document.Parsed[];
  } catch (err) {
    const code = err instanceof RangeError ? 'yaml-too-deep' : 'yaml-syntax';
    issues.push(issue(file.path, top, '', code, code === 'yaml-too-deep' ? 'is nested too deeply to parse' : 'could not be parsed as YAML'));
    return;
  }
  if (!Array.isArray(docs)) docs = [];
  if (docs.length > MAX_DOCUMENTS_PER_FILE) {
    issues.push(
      issue(file.path, top, '', 'too-many-documents', `has ${docs.length} YAML documents; at most ${MAX_DOCUMENTS_PER_FILE} plans per file — split it`),
    );
    return;
  }
  let plansInFile = 0;
  docs.forEach((doc, documentIndex) => {
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && doc.errors.length === 0);
    if (empty) return;
    plansInFile++;
    const seen: { name?: string; at?: Position } = {};
    const loaded = loadDocument(file.path, text, doc, lineCounter, issues, seen);
    if (seen.name === undefined || seen.at === undefined) return;
    const line = pos(lineCounter, doc.contents?.range?.[0]).line;
    const entry: NamedDoc = { name: seen.name, file: file.path, line, at: seen.at };
    if (loaded !== undefined) {
      const multi = loaded.plan.namespaces !== undefined;
      entry.plans = expandNamespaces(loaded.plan).map((plan, i) => {
        // A warning about one namespace of a list points at that list item.
        const positions = multi ? { ...loaded.positions, namespace: loaded.positions[`namespaces[${i}]`] ?? loaded.positions.namespaces! } : loaded.positions;
        return { plan, file: file.path, line, documentIndex, positions, lengthMs: loaded.lengthMs };
      });
    }
    out.push(entry);
  });
  if (plansInFile === 0) issues.push(issue(file.path, top, '', 'empty-file', 'contains no plan; delete it or add a plan', 'warning'));
}

/** Where the text nests deeper than any plan needs (flow brackets, compact "- - -", indentation). */
function nestingProblem(text: string): Position | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let quote: string | null = null;
  let comment = false;
  let atLineStart = true;
  let indicators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      comment = false;
      atLineStart = true;
      indicators = 0;
      if (quote === "'") continue;
      continue;
    }
    if (comment) continue;
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (atLineStart) {
      if (c === ' ' || c === '\t') {
        if (i - lineStart > 8 * MAX_NESTING) return { line, column: i - lineStart + 1 };
        continue;
      }
      if ((c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        if (++indicators > MAX_NESTING) return { line, column: i - lineStart + 1 };
        continue;
      }
      atLineStart = false;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '"' || c === "'") {
      const prev = text[i - 1];
      if (prev === undefined || /[\s:,[{]/.test(prev)) quote = c;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return { line, column: i - lineStart + 1 };
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

const YAML_MESSAGES: Record<string, string> = {
  DUPLICATE_KEY: 'this key appears twice in the plan; keep one',
  MULTIPLE_DOCS: 'unexpected document marker',
  TAB_AS_INDENT: 'tabs are not allowed for indentation; use spaces',
  BAD_INDENT: 'bad indentation; align the fields of a plan in one column',
  MISSING_CHAR: 'a closing quote or bracket is missing (it was opened earlier in the file)',
  BAD_ALIAS: 'aliases (*name) are not allowed',
  BAD_SCALAR_START: 'this value cannot start with that character; quote it',
  BLOCK_AS_IMPLICIT_KEY: 'a key must be on one line',
  MULTILINE_IMPLICIT_KEY: 'a key must be on one line',
  UNEXPECTED_TOKEN: 'unexpected character; quote the value',
};

/** yaml's own message without its code frame or quoted source text. */
function cleanYamlMessage(code: string, message: string): string {
  // An unclosed [ or { is reported where the parser gave up (the next line), as an indentation error.
  if (code === 'BAD_INDENT' && /^Flow (sequence|map)/.test(message)) {
    return `a ${message.startsWith('Flow sequence') ? '[ list' : '{ mapping'} opened on an earlier line is not closed; close it with ${message.startsWith('Flow sequence') ? ']' : '}'} or quote the value`;
  }
  const mine = YAML_MESSAGES[code];
  if (mine !== undefined) return mine;
  const firstLine = message.split('\n')[0] ?? '';
  return firstLine
    .replace(/ at line \d+, column \d+.*$/, '')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '…')
    .slice(0, 160);
}

/** Checks one document; `named` receives the plan name (when it is a valid name) even if the document has other errors. */
function loadDocument(
  file: string,
  text: string,
  doc: Document.Parsed,
  lineCounter: LineCounter,
  issues: Issue[],
  named: { name?: string; at?: Position },
): { plan: CapacityPlan; positions: Record<string, Position>; lengthMs: number | null } | undefined {
  const docPos = pos(lineCounter, doc.contents?.range?.[0] ?? doc.range[0]);
  const before = issues.length;
  const seen = new Set<string>();
  for (const e of doc.errors) {
    const key = `${e.code}:${e.pos[0]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const at = pos(lineCounter, e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') {
      issues.push(issue(file, at, keyAt(doc, e.pos[0]) ?? '', 'yaml-duplicate-key', YAML_MESSAGES.DUPLICATE_KEY!));
    } else if (e.code === 'BAD_ALIAS' || /alias/i.test(e.message)) {
      issues.push(
        issue(
          file,
          at,
          '',
          'yaml-alias',
          'YAML aliases (*name) and anchors (&name) are not allowed; write the value out (a cron expression starting with * must be quoted: cron: "* * * * *")',
        ),
      );
    } else {
      issues.push(issue(file, at, '', 'yaml-syntax', `YAML syntax error: ${cleanYamlMessage(e.code, e.message)}`));
    }
  }
  if (issues.length > before) return undefined;
  // Walk the tree once: aliases, anchors, tags, unsafe keys, depth.
  let unsafe = false;
  const walk = (node: unknown, depth: number): void => {
    if (node === null || node === undefined) return;
    if (depth > MAX_NESTING) {
      unsafe = true;
      return;
    }
    if (isAlias(node)) {
      unsafe = true;
      issues.push(
        issue(
          file,
          pos(lineCounter, node.range?.[0]),
          '',
          'yaml-alias',
          'YAML aliases (*name) are not allowed; write the value out (a cron expression starting with * must be quoted: cron: "* * * * *")',
        ),
      );
      return;
    }
    const n = node as YamlNode;
    if (n.anchor !== undefined) {
      unsafe = true;
      issues.push(
        issue(
          file,
          pos(lineCounter, markBefore(text, n.range?.[0], '&')),
          '',
          'yaml-alias',
          'YAML anchors (&name) are not allowed; write values out in each plan',
        ),
      );
    }
    if (n.tag !== undefined) {
      unsafe = true;
      issues.push(
        issue(file, pos(lineCounter, markBefore(text, n.range?.[0], '!')), '', 'yaml-tag', 'YAML tags (!tag, !!type) are not allowed; write plain values'),
      );
    }
    if (isCollection(n)) {
      // Duplicate keys, found in linear time (yaml's own check is quadratic in the key count).
      const keys = new Set<string>();
      for (const item of n.items) {
        if (isPair(item)) {
          const key = item.key;
          if (isScalar(key) && isMap(n)) {
            const k = String(key.value);
            if (keys.has(k)) {
              unsafe = true;
              issues.push(issue(file, pos(lineCounter, key.range?.[0]), k, 'yaml-duplicate-key', YAML_MESSAGES.DUPLICATE_KEY!));
            }
            keys.add(k);
          }
          if (isScalar(key) && typeof key.value === 'string' && UNSAFE_KEYS.has(key.value)) {
            unsafe = true;
            issues.push(issue(file, pos(lineCounter, key.range?.[0]), key.value, 'unsafe-key', `"${key.value}" is not allowed as a key; remove it`));
          }
          walk(key, depth + 1);
          walk(item.value, depth + 1);
        } else walk(item, depth + 1);
      }
    }
  };
  walk(doc.contents, 0);
  if (unsafe) return undefined;
  const contents = doc.contents;
  if (!isMap(contents)) {
    issues.push(issue(file, docPos, '', 'plan-not-mapping', 'a plan must be a mapping of fields (apiVersion, kind, name, …)'));
    return undefined;
  }
  const ctx: DocContext = { file, lineCounter, docPos, keyPos: new Map(), valuePos: new Map(), issues };
  const raw: Record<string, unknown> = {};
  for (const pair of contents.items) {
    const key = pair.key;
    if (!isScalar(key) || typeof key.value !== 'string') {
      const at = pos(lineCounter, isScalar(key) || isCollection(key) ? key.range?.[0] : undefined);
      issues.push(issue(file, at, '', 'unknown-field', 'field names must be plain text; see the field list in docs/plan-format.md'));
      continue;
    }
    const value = pair.value;
    ctx.keyPos.set(key.value, pos(lineCounter, key.range?.[0]));
    ctx.valuePos.set(key.value, pos(lineCounter, (isScalar(value) || isCollection(value) ? value.range?.[0] : undefined) ?? key.range?.[0]));
    const field = key.value;
    if (isSeq(value))
      value.items.forEach((item, i) => {
        ctx.valuePos.set(`${field}[${i}]`, pos(lineCounter, (isScalar(item) || isCollection(item) ? item.range?.[0] : undefined) ?? value.range?.[0]));
        // A list of mappings (`steps:`): where each item's keys and values are, as `steps[2].after`.
        if (!isMap(item)) return;
        for (const p of item.items) {
          if (!isScalar(p.key)) continue;
          const path = `${field}[${i}].${String(p.key.value)}`;
          ctx.keyPos.set(path, pos(lineCounter, p.key.range?.[0]));
          ctx.valuePos.set(path, pos(lineCounter, (isScalar(p.value) || isCollection(p.value) ? p.value.range?.[0] : undefined) ?? p.key.range?.[0]));
        }
      });
    Object.defineProperty(raw, key.value, { value: toPlain(value), enumerable: true, writable: true, configurable: true });
  }
  const errorsBefore = issues.length;
  if (CapacityPlan.shape.name.safeParse(raw.name).success) {
    named.name = raw.name as string;
    named.at = ctx.valuePos.get('name') ?? docPos;
  }
  // zod decides; the rules add what a schema cannot say (cron subset, zones, lengths, at/until).
  const parsed = CapacityPlan.safeParse(raw);
  const rules: Issue[] = [];
  const lengthMs = ruleIssues({ ...ctx, issues: rules }, raw);
  // A rule error about `steps[2].after` covers zod's issues about `steps`.
  const ruled = new Set(rules.filter((i) => i.severity === 'error').map((i) => i.field.replace(/[[.].*$/, '')));
  if (!parsed.success) issues.push(...schemaIssues(ctx, raw, parsed.error.issues, ruled));
  issues.push(...rules);
  if (!parsed.success || issues.slice(errorsBefore).some((i) => i.severity === 'error')) return undefined;
  // A ramp's `trus` is its peak, so everything that reads one value reads the highest it asks for.
  const plan = parsed.data.steps === undefined ? parsed.data : { ...parsed.data, trus: peakTrus(parsed.data.steps) };
  return { plan, positions: Object.fromEntries(ctx.valuePos), lengthMs: lengthMs ?? null };
}

/** The offset of an anchor (&) or tag (!) written before a node on the same line, else the node's. */
function markBefore(text: string, offset: number | undefined, mark: string): number | undefined {
  if (offset === undefined) return undefined;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let index = text.lastIndexOf(mark, offset - 1);
  while (index > lineStart && text[index - 1] === mark) index--;
  return index >= lineStart ? index : offset;
}

/** The key a duplicate-key error points at. */
function keyAt(doc: Document.Parsed, offset: number): string | undefined {
  if (!isMap(doc.contents)) return undefined;
  for (const pair of doc.contents.items) {
    if (isScalar(pair.key) && pair.key.range?.[0] === offset) return String(pair.key.value);
  }
  return undefined;
}

function toPlain(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map(toPlain);
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const p of node.items) if (isScalar(p.key)) Object.defineProperty(out, String(p.key.value), { value: toPlain(p.value), enumerable: true });
    return out;
  }
  return null;
}

function describeValue(v: unknown): string {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v} ${String(v as number | boolean | bigint)}`;
}

/** How the type of each field is said in a wrong-type message (the type itself comes from zod). */
const TYPE_HINTS: Record<string, string> = {
  trus: `a number: one of ${VALID_TRUS.join(', ')}`,
  paused: 'true or false',
  duration: 'text such as "45m", "3h", "1h30m" or "1.5h"',
  cron: 'a quoted cron expression, e.g. "0 23 * * 1-5"',
  at: 'a quoted date-time, e.g. "2026-12-24T09:00"',
  until: 'a quoted date-time, e.g. "2026-12-24T17:00"',
  namespaces: 'a list of namespace ids, e.g. [payments.a1b2c, orders.a1b2c]',
  steps: 'a list of steps, e.g. [{ after: 0h, trus: 4 }, { after: 1h, trus: 8 }]',
};

/** The code and message for a value zod rejects, per field (fields the rules also check say it better there). */
const VALUE_PROBLEMS: Record<string, { code: string; message: (v: unknown) => string }> = {
  apiVersion: { code: 'invalid-api-version', message: (v) => `apiVersion must be "${PLAN_API_VERSION}", not "${String(v)}"` },
  kind: { code: 'invalid-kind', message: (v) => `kind must be "${PLAN_KIND}", not "${String(v)}"` },
  name: {
    code: 'invalid-name',
    message: () => 'name must be 1–63 lowercase letters, digits and dashes, starting with a letter or digit (e.g. "nightly-batch")',
  },
  namespace: {
    code: 'invalid-namespace',
    message: () => 'namespace must be a Temporal Cloud namespace id such as "payments.a1b2c" (letters, digits, ".", "-", "_")',
  },
  trus: { code: 'invalid-trus', message: (v) => `trus ${String(v)} is not a value Temporal Cloud accepts; use one of ${VALID_TRUS.join(', ')}` },
  description: { code: 'description-too-long', message: () => 'description may be at most 1000 characters' },
  cron: { code: 'cron-empty', message: () => 'cron is empty; write five fields, e.g. "0 23 * * 1-5"' },
  timezone: { code: 'unknown-timezone', message: (v) => `unknown time zone "${String(v)}"; use an IANA name such as "America/New_York" or "UTC"` },
  duration: { code: 'invalid-duration', message: (v) => `duration "${String(v)}" is not a length; write e.g. "45m", "3h", "1h30m"` },
  at: { code: 'invalid-date-time', message: (v) => `at: "${String(v)}" is not a date-time; write "YYYY-MM-DDTHH:MM", e.g. "2026-12-24T09:00"` },
  until: { code: 'invalid-date-time', message: (v) => `until: "${String(v)}" is not a date-time; write "YYYY-MM-DDTHH:MM", e.g. "2026-12-24T17:00"` },
};

/**
 * zod's issues, placed: each gets the file, line and column of the key or value it is about and
 * a stable code. One issue per field; fields the rules already reported an error for are left to
 * them. Every issue zod raises yields at least one Issue, so a rejected document is never silent.
 */
function schemaIssues(ctx: DocContext, raw: Record<string, unknown>, zodIssues: readonly zodCore.$ZodIssue[], ruled: ReadonlySet<string>): Issue[] {
  const { file } = ctx;
  const out: Issue[] = [];
  const keyAtPos = (field: string): Position => ctx.keyPos.get(field) ?? ctx.docPos;
  const valueAtPos = (field: string): Position => ctx.valuePos.get(field) ?? ctx.docPos;
  const done = new Set<string>();
  for (const z of zodIssues) {
    if (z.code === 'unrecognized_keys' && z.path.length > 0) {
      // Inside a field (a step's keys): the field's rules name each key at its own line.
      const field = String(z.path[0]);
      if (!ruled.has(field)) out.push(issue(file, valueAtPos(field), field, 'unknown-field', `unknown field "${z.keys.join('", "')}" in ${field}`));
      continue;
    }
    if (z.code === 'unrecognized_keys') {
      const MAX_REPORTED = 20;
      if (z.keys.length > MAX_REPORTED) {
        const key = z.keys[MAX_REPORTED]!;
        out.push(
          issue(file, keyAtPos(key), key, 'unknown-field', `${z.keys.length - MAX_REPORTED} more unknown fields; known fields: ${KNOWN_FIELDS.join(', ')}`),
        );
      }
      for (const key of z.keys.slice(0, MAX_REPORTED)) {
        const suggestion = closest(key, KNOWN_FIELDS);
        const hint = suggestion === undefined ? `known fields: ${KNOWN_FIELDS.join(', ')}` : `did you mean "${suggestion}"?`;
        out.push(issue(file, keyAtPos(key), key, 'unknown-field', `unknown field "${key}"; ${hint}`));
      }
      continue;
    }
    const field = typeof z.path[0] === 'string' ? z.path[0] : '';
    if (done.has(field) || ruled.has(field)) continue;
    done.add(field);
    const v = raw[field];
    if (!(field in raw)) {
      const example = field === 'apiVersion' ? ` (apiVersion: ${PLAN_API_VERSION})` : field === 'kind' ? ` (kind: ${PLAN_KIND})` : '';
      out.push(issue(file, ctx.docPos, field, 'missing-field', `required field "${field}" is missing${example}`));
      continue;
    }
    // The type zod wanted: from a type issue, or from the literal values it lists.
    const expected = z.code === 'invalid_type' ? z.expected : z.code === 'invalid_value' ? typeof z.values[0] : typeof v;
    if (typeof v !== expected) {
      out.push(issue(file, valueAtPos(field), field, 'wrong-type', `${field} must be ${TYPE_HINTS[field] ?? expected}, not ${describeValue(v)}`));
      continue;
    }
    const problem = VALUE_PROBLEMS[field];
    if (problem !== undefined) out.push(issue(file, valueAtPos(field), field, problem.code, problem.message(v)));
    else out.push(issue(file, valueAtPos(field), field, 'wrong-type', `${field}: ${z.message}`));
  }
  return out;
}

/** Adds the rule issues; returns the window length in ms when the rules could compute it. */
function ruleIssues(ctx: DocContext, raw: Record<string, unknown>): number | undefined {
  const { file, issues } = ctx;
  const at = (field: string): Position => ctx.valuePos.get(field) ?? ctx.docPos;
  const keyAtPos = (field: string): Position => ctx.keyPos.get(field) ?? ctx.docPos;
  const str = (field: string): string | undefined => (typeof raw[field] === 'string' ? (raw[field] as string) : undefined);
  const has = (field: string): boolean => field in raw;

  // The cross-field rules of schema.ts: exactly one start, at most one end, until needs at.
  const [cronField, atField] = CROSS_FIELD_RULES.exactlyOne;
  if (has(cronField) && has(atField))
    issues.push(issue(file, keyAtPos(atField), atField, 'cron-and-at', 'a plan has either `cron` (recurring) or `at` (one-off), not both; remove one'));
  if (!has(cronField) && !has(atField))
    issues.push(
      issue(
        file,
        ctx.docPos,
        cronField,
        'missing-start',
        'a plan needs a start: `cron` (recurring, e.g. "0 23 * * 1-5") or `at` (one-off, e.g. "2026-12-24T09:00")',
      ),
    );
  const [durationField, untilField] = CROSS_FIELD_RULES.atMostOne;
  if (has(durationField) && has(untilField))
    issues.push(issue(file, keyAtPos(untilField), untilField, 'duration-and-until', 'use `duration` or `until`, not both'));
  for (const [field, needs] of Object.entries(CROSS_FIELD_RULES.requires)) {
    if (has(field) && !has(needs))
      issues.push(issue(file, keyAtPos(field), field, 'until-without-at', '`until` ends a one-off window and needs `at`; with `cron` use `duration`'));
  }

  // Namespaces: exactly one of `namespace` and `namespaces`; a list is non-empty, valid, without duplicates.
  const [namespaceField, namespacesField] = CROSS_FIELD_RULES.exactlyOneNamespace;
  if (has(namespaceField) && has(namespacesField))
    issues.push(
      issue(
        file,
        keyAtPos(namespacesField),
        namespacesField,
        'namespace-and-namespaces',
        'a plan has either `namespace` (one) or `namespaces` (a list), not both; remove one',
      ),
    );
  if (!has(namespaceField) && !has(namespacesField))
    issues.push(issue(file, ctx.docPos, namespaceField, 'missing-field', 'required field "namespace" is missing (or list several in `namespaces`)'));
  const list = raw[namespacesField];
  if (Array.isArray(list)) {
    if (list.length === 0)
      issues.push(
        issue(
          file,
          at(namespacesField),
          namespacesField,
          'namespaces-empty',
          'namespaces is an empty list; list at least one namespace id, or use `namespace`',
        ),
      );
    const seenNs = new Map<string, number>();
    list.forEach((ns: unknown, i) => {
      const where = ctx.valuePos.get(`${namespacesField}[${i}]`) ?? at(namespacesField);
      if (!NamespaceId.safeParse(ns).success) {
        issues.push(
          issue(
            file,
            where,
            namespacesField,
            'invalid-namespace',
            `namespaces item ${i + 1} is not a Temporal Cloud namespace id such as "payments.a1b2c" (letters, digits, ".", "-", "_")`,
          ),
        );
        return;
      }
      const first = seenNs.get(ns as string);
      if (first !== undefined)
        issues.push(
          issue(
            file,
            where,
            namespacesField,
            'duplicate-namespace',
            `namespace "${ns as string}" is listed twice in namespaces (items ${first + 1} and ${i + 1}); list each namespace once`,
          ),
        );
      else seenNs.set(ns as string, i);
    });
  }

  // Time zone.
  const zoneText = str('timezone');
  let zone: string | undefined = has('timezone') ? undefined : 'UTC';
  if (zoneText !== undefined) {
    const check = checkTimeZone(zoneText);
    if (check.ok) zone = zoneText;
    else
      issues.push(
        issue(
          file,
          at('timezone'),
          'timezone',
          'unknown-timezone',
          `unknown time zone "${zoneText}"; ${check.suggestion === undefined ? 'use' : `did you mean "${check.suggestion}"? Otherwise use`} an IANA name such as "America/New_York" or "UTC"`,
        ),
      );
  }

  // Duration.
  let durationMinutes: number | undefined;
  const durationText = str('duration');
  if (durationText !== undefined) {
    const trimmed = durationText.trim();
    const parsed = parseDuration(trimmed);
    if (!parsed.ok) {
      if (parsed.negative)
        issues.push(
          issue(file, at('duration'), 'duration', 'duration-not-positive', `duration "${durationText}" is negative; write a positive length such as "3h"`),
        );
      else issues.push(issue(file, at('duration'), 'duration', 'invalid-duration', `duration ${parsed.message}`));
    } else if (parsed.ms === 0) {
      issues.push(
        issue(
          file,
          at('duration'),
          'duration',
          'duration-not-positive',
          'duration is zero; write a positive length such as "3h" (leave duration out for a permanent change)',
        ),
      );
    } else if (trimmed !== durationText) {
      issues.push(issue(file, at('duration'), 'duration', 'invalid-duration', `duration "${durationText}" has spaces; write "${trimmed}"`));
    } else if (parsed.ms % 60_000 !== 0) {
      issues.push(
        issue(
          file,
          at('duration'),
          'duration',
          'invalid-duration',
          `duration "${durationText}" is not a whole number of minutes; windows are planned to the minute — e.g. "45m", "1h30m"`,
        ),
      );
    } else durationMinutes = parsed.ms / 60_000;
  }

  // Cron.
  const cronText = has('cron') ? raw.cron : undefined;
  if (typeof cronText === 'string') {
    const parsed = parseCron(cronText);
    if (!parsed.ok) issues.push(issue(file, at('cron'), 'cron', parsed.code, `cron "${cronText}": ${parsed.message}`));
    else if (durationMinutes !== undefined) {
      // The window must end before the plan's own next start (wall-clock time over two
      // calendar years with a leap year, so the verdict never depends on today).
      const gap = minStartGapMinutes(parsed.cron);
      if (gap < durationMinutes) {
        issues.push(
          issue(
            file,
            at('duration'),
            'duration',
            'duration-exceeds-gap',
            `duration ${durationText} is longer than the ${formatMinutes(gap)} between two starts of this cron; each window must end before the next one starts — shorten it or change the cron`,
          ),
        );
      }
    }
  }

  // at / until.
  let atMs: number | undefined;
  let untilMs: number | undefined;
  for (const field of ['at', 'until'] as const) {
    const text = str(field);
    if (text === undefined) continue;
    const resolved = resolveDateTime(text, zone ?? 'UTC');
    if (!resolved.ok) {
      issues.push(issue(file, at(field), field, 'invalid-date-time', `${field}: ${resolved.message}`));
      continue;
    }
    if (field === 'at') atMs = resolved.ms;
    else if (atMs !== undefined && zone !== undefined && resolved.ms <= atMs) {
      issues.push(
        issue(file, at('until'), 'until', 'until-not-after-at', `until (${text}) must be after at (${str('at') ?? ''}); the window would have no length`),
      );
    } else if (atMs !== undefined) untilMs = resolved.ms;
  }
  const lengthMs = durationMinutes !== undefined ? durationMinutes * 60_000 : atMs !== undefined && untilMs !== undefined ? untilMs - atMs : undefined;
  capacityRules(ctx, raw, lengthMs);
  return lengthMs;
}

const STEP_FIELDS = ['after', 'trus'];

/** The value a one-step ramp would write as `trus` (8 when it has none that is a number). */
function oneValue(step: unknown): number {
  const trus = step !== null && typeof step === 'object' ? (step as { trus?: unknown }).trus : undefined;
  return typeof trus === 'number' ? trus : 8;
}
const HOUR_MS = 3_600_000;

/**
 * Exactly one of `trus` and `steps`; a ramp's steps: at least two, the first at the window's
 * start, offsets strictly increasing, whole minutes and inside the window (which must end), each
 * value one Temporal Cloud accepts. Warns about steps under an hour apart (billed hourly at the
 * highest value) and about a step that does not change the value. Each problem names the step's
 * own line and field (`steps[2].after`). `lengthMs` is the window's length when it is known.
 */
function capacityRules(ctx: DocContext, raw: Record<string, unknown>, lengthMs: number | undefined): void {
  const { file, issues } = ctx;
  const has = (field: string): boolean => field in raw;
  const valueAt = (field: string, fallback = 'steps'): Position => ctx.valuePos.get(field) ?? ctx.valuePos.get(fallback) ?? ctx.docPos;
  const keyAt = (field: string): Position => ctx.keyPos.get(field) ?? ctx.docPos;
  const [trusField, stepsField] = CROSS_FIELD_RULES.exactlyOneCapacity;
  if (has(trusField) && has(stepsField))
    issues.push(
      issue(
        file,
        keyAt(stepsField),
        stepsField,
        'trus-and-steps',
        'a plan has either `trus` (one value for the whole window) or `steps` (a ramp), not both; remove one',
      ),
    );
  if (!has(trusField) && !has(stepsField))
    issues.push(issue(file, ctx.docPos, trusField, 'missing-field', 'required field "trus" is missing (or give a ramp in `steps`)'));
  if (!has(stepsField)) return;
  const list = raw[stepsField];
  if (!Array.isArray(list)) {
    issues.push(
      issue(
        file,
        valueAt(stepsField),
        stepsField,
        'wrong-type',
        `steps must be a list of steps, e.g. [{ after: 0h, trus: 4 }, { after: 1h, trus: 8 }], not ${describeValue(list)}`,
      ),
    );
    return;
  }
  if (!CROSS_FIELD_RULES.stepsNeedEnd.some(has))
    issues.push(
      issue(
        file,
        keyAt(stepsField),
        stepsField,
        'steps-need-end',
        'a ramp needs a window end: add `duration` (or `until` for a one-off); a permanent change has one value, `trus`',
      ),
    );
  if (list.length < 2)
    issues.push(
      issue(
        file,
        valueAt(stepsField),
        stepsField,
        'steps-too-few',
        list.length === 0
          ? 'steps is an empty list; a ramp needs at least 2 steps (for one value use `trus`)'
          : `a ramp needs at least 2 steps; for one value for the whole window use \`trus: ${oneValue(list[0])}\``,
      ),
    );
  // Each step: a mapping of `after` and `trus`, nothing else.
  const offsets: (number | undefined)[] = [];
  const values: (number | undefined)[] = [];
  list.forEach((step: unknown, i) => {
    const at = `${stepsField}[${i}]`;
    offsets.push(undefined);
    values.push(undefined);
    if (step === null || typeof step !== 'object' || Array.isArray(step)) {
      issues.push(issue(file, valueAt(at), at, 'wrong-type', `step ${i + 1} must be a mapping such as { after: 1h, trus: 8 }, not ${describeValue(step)}`));
      return;
    }
    const fields = step as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (STEP_FIELDS.includes(key)) continue;
      const suggestion = closest(key, STEP_FIELDS);
      issues.push(
        issue(
          file,
          keyAt(`${at}.${key}`),
          `${at}.${key}`,
          'unknown-field',
          `unknown field "${key}" in step ${i + 1}; ${suggestion === undefined ? 'a step has `after` and `trus`' : `did you mean "${suggestion}"?`}`,
        ),
      );
    }
    for (const key of STEP_FIELDS) {
      if (!(key in fields))
        issues.push(issue(file, valueAt(at), `${at}.${key}`, 'missing-field', `step ${i + 1} is missing "${key}" (a step is { after: 1h, trus: 8 })`));
    }
    const trus = fields.trus;
    if ('trus' in fields) {
      if (typeof trus !== 'number')
        issues.push(issue(file, valueAt(`${at}.trus`, at), `${at}.trus`, 'wrong-type', `${at}.trus must be ${TYPE_HINTS.trus}, not ${describeValue(trus)}`));
      else if (!(VALID_TRUS as readonly number[]).includes(trus))
        issues.push(issue(file, valueAt(`${at}.trus`, at), `${at}.trus`, 'invalid-trus', VALUE_PROBLEMS.trus!.message(trus)));
      else values[i] = trus;
    }
    const after = fields.after;
    if ('after' in fields) {
      const where = valueAt(`${at}.after`, at);
      const text = after === 0 ? '0' : typeof after === 'string' ? after : undefined;
      if (text === undefined) {
        issues.push(
          issue(file, where, `${at}.after`, 'invalid-step-offset', `${at}.after must be an offset such as "0h", "1h" or "1h30m", not ${describeValue(after)}`),
        );
        return;
      }
      const parsed = parseDuration(text);
      if (!parsed.ok) issues.push(issue(file, where, `${at}.after`, 'invalid-step-offset', `${at}.after ${parsed.message}`));
      else if (parsed.ms % 60_000 !== 0)
        issues.push(
          issue(
            file,
            where,
            `${at}.after`,
            'invalid-step-offset',
            `${at}.after "${text}" is not a whole number of minutes; steps are planned to the minute — e.g. "45m", "1h30m"`,
          ),
        );
      else offsets[i] = parsed.ms;
    }
  });
  // The offsets: the first at the start, strictly increasing, inside the window.
  const first = offsets[0];
  if (first !== undefined && first !== 0)
    issues.push(
      issue(
        file,
        valueAt(`${stepsField}[0].after`),
        `${stepsField}[0].after`,
        'first-step-not-at-start',
        `the first step must be at the window's start (after: 0h), not after ${formatMinutes(first / 60_000)}; the window starts at its first step's value`,
      ),
    );
  let previous: { index: number; ms: number } | undefined;
  offsets.forEach((ms, i) => {
    if (ms === undefined) return;
    const field = `${stepsField}[${i}].after`;
    if (previous !== undefined && ms <= previous.ms)
      issues.push(
        issue(
          file,
          valueAt(field),
          field,
          'steps-not-increasing',
          `step ${i + 1} (after ${formatMinutes(ms / 60_000)}) must come after step ${previous.index + 1} (after ${formatMinutes(previous.ms / 60_000)}); list the steps in time order, each later than the one before`,
        ),
      );
    else if (lengthMs !== undefined && ms >= lengthMs)
      issues.push(
        issue(
          file,
          valueAt(field),
          field,
          'step-outside-window',
          `step ${i + 1} (after ${formatMinutes(ms / 60_000)}) is not inside the window, which lasts ${formatMinutes(lengthMs / 60_000)}; every step must start before the window ends`,
        ),
      );
    if (previous === undefined || ms > previous.ms) previous = { index: i, ms };
  });
  // Warnings, between two good neighbours: under an hour apart, or the same value twice.
  for (let i = 1; i < list.length; i++) {
    const [a, b, va, vb] = [offsets[i - 1], offsets[i], values[i - 1], values[i]];
    if (a === undefined || b === undefined || va === undefined || vb === undefined || b <= a) continue;
    if (va === vb) {
      const field = `${stepsField}[${i}].trus`;
      issues.push(
        issue(
          file,
          valueAt(field),
          field,
          'step-unchanged',
          `step ${i + 1} asks for ${vb} TRUs, the same as step ${i}: it changes nothing — remove it or change its value`,
          'warning',
        ),
      );
    } else if (b - a < HOUR_MS) {
      const field = `${stepsField}[${i}].after`;
      const gap = formatMinutes((b - a) / 60_000);
      const high = Math.max(va, vb);
      // The hour from step i: its `gap` at va, the rest at vb — billed at the higher of the two throughout.
      const planned = Math.round(((va * (b - a)) / HOUR_MS + (vb * (HOUR_MS - (b - a))) / HOUR_MS) * 100) / 100;
      issues.push(
        issue(
          file,
          valueAt(field),
          field,
          'steps-under-hour',
          `step ${i + 1} comes ${gap} after step ${i}: Temporal Cloud bills each hour at its highest value, so the hour holding ${gap} at ${va} TRUs then ${vb} TRUs costs ${high} TRU-hours, not the ${planned} the steps suggest — space the steps at least 1h apart`,
          'warning',
        ),
      );
    }
  }
}

export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h${m}m`;
}
