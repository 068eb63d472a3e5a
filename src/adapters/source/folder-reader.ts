/**
 * Reads plan files from a local folder (capsched validate, the folder plan source).
 * Symlinks are never followed: a link is listed as kind 'symlink' and its target is never opened.
 * Files over the size cap are listed with their size but never read.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { CapschedError } from '../../core/errors.js';
import { MAX_FILE_BYTES } from '../../core/plan/load.js';
import type { PlanFile, SourceSnapshot } from '../../core/ports.js';

/** More plan files than this under one path is refused (protects memory and time). */
export const MAX_PLAN_FILES = 10_000;

const PLAN_FILE = /\.ya?ml$/i;

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Reads one regular file without following a link; never reads more than the cap. */
async function readEntry(absolute: string, display: string): Promise<PlanFile> {
  let handle;
  try {
    handle = await open(absolute, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') return { path: display, kind: 'symlink', size: 0 };
    throw new CapschedError('source-read-failed', `cannot read ${display}: ${code ?? 'error'}`, { cause: err });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { path: display, kind: 'other', size: stats.size };
    if (stats.size > MAX_FILE_BYTES) return { path: display, kind: 'file', size: stats.size };
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_FILE_BYTES) return { path: display, kind: 'file', size: length };
    }
    return { path: display, kind: 'file', size: length, bytes: new Uint8Array(buffer.subarray(0, length)) };
  } finally {
    await handle.close();
  }
}

/** Walks a directory without following links: *.yaml/*.yml files and every symlink. */
async function walk(dirAbs: string, base: string, out: PlanFile[]): Promise<void> {
  const entries = await readdir(dirAbs, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (out.length > MAX_PLAN_FILES)
      throw new CapschedError('source-too-many-files', `more than ${MAX_PLAN_FILES} plan files under ${toPosix(relative(base, dirAbs)) || '.'}`);
    const abs = join(dirAbs, entry.name);
    const display = toPosix(relative(base, abs));
    if (entry.isSymbolicLink()) out.push({ path: display, kind: 'symlink', size: 0 });
    else if (entry.isDirectory()) {
      if (!entry.name.startsWith('.')) await walk(abs, base, out);
    } else if (PLAN_FILE.test(entry.name)) {
      out.push(entry.isFile() ? await readEntry(abs, display) : { path: display, kind: 'other', size: 0 });
    }
  }
}

export interface ReadPathsResult {
  files: PlanFile[];
  /** Arguments that do not exist. */
  missing: string[];
}

/**
 * Reads the given files and folders (folders recursively). Paths in the result are relative to
 * `cwd` with posix separators. A path argument that is itself a symlink is listed, never followed.
 */
export async function readPlanPaths(paths: string[], cwd: string): Promise<ReadPathsResult> {
  const files: PlanFile[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let stats;
    try {
      stats = await lstat(abs);
    } catch {
      missing.push(p);
      continue;
    }
    const display = toPosix(relative(cwd, abs)) || '.';
    const found: PlanFile[] = [];
    if (stats.isSymbolicLink()) found.push({ path: display, kind: 'symlink', size: 0 });
    else if (stats.isDirectory()) await walk(abs, cwd, found);
    else if (stats.isFile()) found.push(await readEntry(abs, display));
    else found.push({ path: display, kind: 'other', size: stats.size });
    for (const f of found) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      files.push(f);
    }
  }
  return { files, missing };
}

/** A snapshot of `root/plansPath` for the folder plan source: paths relative to `root`. */
export async function readPlanFolder(root: string, plansPath: string): Promise<SourceSnapshot> {
  const abs = resolve(root, plansPath);
  let stats;
  try {
    stats = await lstat(abs);
  } catch {
    return { revision: 'missing', pathExists: false, files: [] };
  }
  if (stats.isSymbolicLink() || !stats.isDirectory()) {
    return { revision: 'not-a-directory', pathExists: false, files: [] };
  }
  const files: PlanFile[] = [];
  await walk(abs, resolve(root), files);
  return { revision: contentHash(files), pathExists: true, files };
}

/** A content hash of a set of plan files (paths, kinds, sizes and bytes). */
export function contentHash(files: PlanFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    hash.update(`${f.path}\0${f.kind}\0${f.size}\0`);
    if (f.bytes !== undefined) hash.update(f.bytes);
    hash.update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}
