import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';

const FORBIDDEN = [/^node:/, /^@temporalio\//, /^simple-git/, /^pino/, /^chokidar/, /^@grpc\//];
const BUILTINS = new Set(['fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto', 'url', 'util', 'process', 'events', 'stream']);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

test('src/core is pure: no Node built-ins, SDKs or I/O libraries, and no imports from outside core', () => {
  const coreDir = join(packageRoot(), 'src', 'core');
  const problems: string[] = [];
  for (const file of sources(coreDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = match[1] ?? match[2] ?? '';
      const rel = relative(packageRoot(), file);
      if (FORBIDDEN.some((re) => re.test(spec)) || BUILTINS.has(spec)) problems.push(`${rel} imports ${spec}`);
      if (spec.startsWith('.')) {
        const target = join(file, '..', spec);
        if (!target.startsWith(coreDir)) problems.push(`${rel} imports ${spec} from outside src/core`);
      }
    }
    if (/\b(Date\.now|process\.env|Math\.random)\b/.test(text)) problems.push(`${relative(packageRoot(), file)} reads the clock, env or randomness`);
  }
  assert.deepEqual(problems, []);
});
