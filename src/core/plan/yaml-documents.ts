/**
 * Plan files as YAML: bytes → text → documents → plain values, with where every key and value is
 * (1-based line and column, by path such as `steps[2].after`), and the safety limits a plan never
 * needs to exceed (size, document count, nesting, aliases, anchors, tags, unsafe keys).
 * Reports every problem as an Issue; never throws.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import type { PlanFile } from '../ports.js';
import type { Issue } from './issues.js';

/** Files larger than this are never read. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** More YAML documents than this in one file is an error. */
export const MAX_DOCUMENTS_PER_FILE = 1000;
/** Structural nesting a plan never needs; deeper input is rejected before the YAML parser. */
const MAX_NESTING = 16;
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface Position {
  line: number;
  column: number;
}

/** Where each key and value of a document is, by path (`trus`, `namespaces[1]`, `steps[2].after`). */
export interface Positions {
  keys: Map<string, Position>;
  values: Map<string, Position>;
}

/** One YAML document of a plan file that is a safe mapping: its plain values and their positions. */
export interface PlanDocumentSource {
  file: string;
  /** 0-based index of the YAML document in its file. */
  documentIndex: number;
  /** Where the document's contents start. */
  at: Position;
  /** The mapping as plain values (no prototype keys). */
  raw: Record<string, unknown>;
  positions: Positions;
  /** Errors already reported for this document (keys that are not plain text). */
  errors: number;
}

/** An issue at a position. */
export function issue(file: string, at: Position, field: string, code: string, message: string, severity: 'error' | 'warning' = 'error'): Issue {
  return { file, line: at.line, column: at.column, field, code, message, severity };
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

/**
 * Reads one plan file: checks the file (kind, size, UTF-8), the YAML (syntax, duplicate keys, no
 * aliases/anchors/tags, no __proto__, nesting) and that each document is a mapping. Returns the
 * documents that pass; every problem goes to `issues`.
 */
export function readPlanFile(file: PlanFile, issues: Issue[]): PlanDocumentSource[] {
  const top = { line: 1, column: 1 };
  if (file.kind === 'symlink') {
    issues.push(issue(file.path, top, '', 'file-symlink', 'is a symbolic link; capsched never follows links — replace it with the plan file itself'));
    return [];
  }
  if (file.kind === 'submodule') {
    issues.push(issue(file.path, top, '', 'file-submodule', 'is a git submodule; plans must live in this repository — copy the plan files in'));
    return [];
  }
  if (file.kind !== 'file') {
    issues.push(issue(file.path, top, '', 'file-not-regular', 'is not a regular file; only plain *.yaml/*.yml files are read'));
    return [];
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
    return [];
  }
  if (file.bytes === undefined) {
    issues.push(issue(file.path, top, '', 'file-unreadable', 'could not be read'));
    return [];
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
    return [];
  }
  const deep = nestingProblem(text);
  if (deep !== undefined) {
    issues.push(issue(file.path, deep, '', 'yaml-too-deep', `nesting is deeper than ${MAX_NESTING} levels; a plan is a flat mapping of fields`));
    return [];
  }
  const lineCounter = new LineCounter(text);
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false, strict: true, schema: 'core' }) as Document.Parsed[];
  } catch (err) {
    const code = err instanceof RangeError ? 'yaml-too-deep' : 'yaml-syntax';
    issues.push(issue(file.path, top, '', code, code === 'yaml-too-deep' ? 'is nested too deeply to parse' : 'could not be parsed as YAML'));
    return [];
  }
  if (!Array.isArray(docs)) docs = [];
  if (docs.length > MAX_DOCUMENTS_PER_FILE) {
    issues.push(
      issue(file.path, top, '', 'too-many-documents', `has ${docs.length} YAML documents; at most ${MAX_DOCUMENTS_PER_FILE} plans per file — split it`),
    );
    return [];
  }
  const out: PlanDocumentSource[] = [];
  let plansInFile = 0;
  docs.forEach((doc, documentIndex) => {
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && doc.errors.length === 0);
    if (empty) return;
    plansInFile++;
    const source = readDocument(file.path, text, doc, documentIndex, lineCounter, issues);
    if (source !== undefined) out.push(source);
  });
  if (plansInFile === 0) issues.push(issue(file.path, top, '', 'empty-file', 'contains no plan; delete it or add a plan', 'warning'));
  return out;
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

/** One document: its YAML errors, the safety walk, then its mapping as plain values and positions. */
function readDocument(
  file: string,
  text: string,
  doc: Document.Parsed,
  documentIndex: number,
  lineCounter: LineCounter,
  issues: Issue[],
): PlanDocumentSource | undefined {
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
  const positions: Positions = { keys: new Map(), values: new Map() };
  const raw: Record<string, unknown> = {};
  let errors = 0;
  for (const pair of contents.items) {
    const key = pair.key;
    if (!isScalar(key) || typeof key.value !== 'string') {
      const at = pos(lineCounter, isScalar(key) || isCollection(key) ? key.range?.[0] : undefined);
      issues.push(issue(file, at, '', 'unknown-field', 'field names must be plain text; see the field list in docs/plan-format.md'));
      errors++;
      continue;
    }
    positions.keys.set(key.value, pos(lineCounter, key.range?.[0]));
    record(positions, lineCounter, key.value, pair.value, key.range?.[0]);
    Object.defineProperty(raw, key.value, { value: toPlain(pair.value), enumerable: true, writable: true, configurable: true });
  }
  return { file, documentIndex, at: docPos, raw, positions, errors };
}

/** Records where a value is and, inside lists and mappings, where each item, key and value is. */
function record(positions: Positions, lineCounter: LineCounter, path: string, node: unknown, fallback: number | undefined): void {
  const start = isScalar(node) || isCollection(node) ? node.range?.[0] : undefined;
  positions.values.set(path, pos(lineCounter, start ?? fallback));
  if (isSeq(node)) node.items.forEach((item, i) => record(positions, lineCounter, `${path}[${i}]`, item, start ?? fallback));
  else if (isMap(node))
    for (const p of node.items) {
      if (!isScalar(p.key)) continue;
      const child = `${path}.${String(p.key.value)}`;
      positions.keys.set(child, pos(lineCounter, p.key.range?.[0]));
      record(positions, lineCounter, child, p.value, p.key.range?.[0]);
    }
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
