/**
 * No import cycles in src: neither between files nor between modules (a folder under src/;
 * under src/adapters/, one folder per outside system). Type-only and dynamic imports count
 * too: a cycle of types is still two modules that cannot be read, moved or tested apart.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';

const src = join(packageRoot(), 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative specifiers of every static, re-export, side-effect and dynamic import in one file. */
export function importSpecifiers(text: string): string[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of withoutComments.matchAll(pattern)) found.push(m[1]!);
  return found.filter((s) => s.startsWith('.'));
}

/** The graph src-relative file → src-relative files it imports (`.js` specifiers map to `.ts`). */
function fileGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(src)) {
    const from = relative(src, file);
    const edges = new Set<string>();
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = relative(src, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      if (!target.startsWith('..')) edges.add(target);
    }
    graph.set(from, edges);
  }
  return graph;
}

/** Each src/adapters/<system>/ is a module of its own; elsewhere the top folder (or file) is. */
export function moduleOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, '');
  if (parts[0] === 'adapters' && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

/** Every cycle's members, found with Tarjan's strongly connected components (self-loops ignored). */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (w === v) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return out;
}

test('the cycle finder finds a cycle and its members, and no cycle in a chain', () => {
  const g = (edges: Record<string, string[]>): Map<string, Set<string>> => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
  assert.deepEqual(cycles(g({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] })), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(g({ a: ['b'], b: ['c'], c: [] })), []);
  assert.deepEqual(
    importSpecifiers(
      "import type { X } from './x.js';\nexport { y } from '../y.js';\nconst z = await import('./z.js');\n// import { no } from './no.js';\nimport 'pino';",
    ),
    ['./x.js', '../y.js', './z.js'],
  );
});

test('no file in src imports itself through a cycle', () => {
  const graph = fileGraph();
  assert.ok(graph.size > 50, `expected the src tree, found ${graph.size} files`);
  assert.deepEqual(cycles(graph), [], 'import cycle between files in src (break it: move the shared part into its own file)');
});

test('no two modules of src import each other, directly or through others', () => {
  const modules = new Map<string, Set<string>>();
  for (const [file, edges] of fileGraph()) {
    const from = moduleOf(file);
    const set = modules.get(from) ?? new Set<string>();
    for (const target of edges) set.add(moduleOf(target));
    modules.set(from, set);
  }
  assert.ok(modules.has('core') && modules.has('adapters/cloud-ops'), 'expected the module names');
  assert.deepEqual(cycles(modules), [], 'import cycle between modules of src (config depends on adapters, the daemon on reconcile, never the reverse)');
});
