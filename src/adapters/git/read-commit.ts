import { spawn } from 'node:child_process';
import type { SimpleGit } from 'simple-git';
import { CapschedError } from '../../core/errors.js';
import type { PlanFile, SourceSnapshot } from '../../core/ports.js';

export interface ReadCommitOptions {
  /** Files larger than this are listed with their size but never read (default 1 MiB). */
  maxFileBytes?: number;
  /** More plan files than this under the path is an error (default 5,000). */
  maxFiles?: number;
}

const PLAN_FILE = /\.ya?ml$/i;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Normalises a plans path: posix, no leading "./" or "/", no trailing "/", no "..". */
export function normalisePlansPath(path: string): string {
  const cleaned = path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
  if (cleaned.split('/').includes('..')) throw new CapschedError('source-path-invalid', `plans path "${path}" must not contain ".."`);
  return cleaned === '.' ? '' : cleaned;
}

/** Resolves a ref (branch, tag, "origin/main", sha) to a full commit SHA. */
export async function resolveCommit(git: SimpleGit, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new CapschedError('source-ref-invalid', `ref "${ref}" must not start with "-"`);
  try {
    const sha = (await git.raw(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])).trim();
    if (!SHA.test(sha)) throw new Error('not a sha');
    return sha;
  } catch (err) {
    throw new CapschedError('source-ref-not-found', `git ref "${ref}" does not resolve to a commit`, { cause: err });
  }
}

interface TreeEntry {
  mode: string;
  type: string;
  object: string;
  size: number;
  path: string;
}

function parseLsTree(output: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', type = '', object = '', size = '-'] = record.slice(0, tab).trim().split(/\s+/);
    entries.push({ mode, type, object, size: size === '-' ? 0 : Number(size), path: record.slice(tab + 1) });
  }
  return entries;
}

/**
 * Reads every plan file under `plansPath` exactly as committed in `commit` — never from a work
 * tree. Symlinks (mode 120000) and submodules (160000) are listed by name and never followed;
 * files over the size cap are listed but not read.
 */
export async function readPlanFilesAtCommit(git: SimpleGit, commit: string, plansPath: string, options: ReadCommitOptions = {}): Promise<SourceSnapshot> {
  if (!SHA.test(commit)) throw new CapschedError('source-ref-invalid', 'readPlanFilesAtCommit needs a full commit SHA');
  const maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  const maxFiles = options.maxFiles ?? 5000;
  const path = normalisePlansPath(plansPath);

  let pathExists = true;
  if (path !== '') {
    const top = parseLsTree(await git.raw(['ls-tree', '-z', '--full-tree', commit, '--', path]));
    pathExists = top.some((e) => e.path === path && e.type === 'tree');
  }
  if (!pathExists) return { revision: commit, pathExists: false, files: [] };

  const args = ['ls-tree', '-r', '-z', '-l', '--full-tree', commit];
  if (path !== '') args.push('--', `${path}/`);
  const entries = parseLsTree(await git.raw(args));

  const files: PlanFile[] = [];
  const toRead: { file: PlanFile; object: string }[] = [];
  for (const entry of entries) {
    if (entry.mode === '120000') {
      files.push({ path: entry.path, kind: 'symlink', size: entry.size });
    } else if (entry.mode === '160000' || entry.type === 'commit') {
      files.push({ path: entry.path, kind: 'submodule', size: 0 });
    } else if (PLAN_FILE.test(entry.path)) {
      const file: PlanFile = { path: entry.path, kind: entry.type === 'blob' ? 'file' : 'other', size: entry.size };
      files.push(file);
      if (file.kind === 'file' && entry.size <= maxFileBytes) toRead.push({ file, object: entry.object });
    }
  }
  const planCount = files.filter((f) => f.kind === 'file').length;
  if (planCount > maxFiles) {
    throw new CapschedError('source-too-many-files', `${planCount} plan files under "${path || '.'}" at ${commit.slice(0, 12)}; the limit is ${maxFiles}`);
  }

  if (toRead.length > 0) {
    const gitDir = (await git.revparse(['--absolute-git-dir'])).trim();
    const blobs = await catFileBatch(
      gitDir,
      toRead.map((item) => item.object),
    );
    for (const item of toRead) item.file.bytes = blobs.get(item.object);
  }

  const meta: Record<string, string> = {};
  const [subject = '', author = '', date = ''] = (await git.raw(['show', '-s', '--format=%s%x00%an%x00%cI', commit])).trim().split('\0');
  meta.subject = subject;
  meta.author = author;
  meta.committedAt = date;
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { revision: commit, pathExists: true, files, meta };
}

/**
 * Reads many blobs with ONE `git cat-file --batch` process (object ids on stdin, fixed argv):
 * a thousand plan files cost one spawn instead of a thousand.
 */
function catFileBatch(gitDir: string, objects: string[]): Promise<Map<string, Uint8Array>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => reject(new CapschedError('source-read-failed', `git cat-file failed: ${err.message}`, { retry: 'transient' })));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new CapschedError('source-read-failed', `git cat-file exited with ${code}: ${stderr.trim().slice(0, 200)}`, { retry: 'transient' }));
        return;
      }
      const out = Buffer.concat(chunks);
      const blobs = new Map<string, Uint8Array>();
      let offset = 0;
      while (offset < out.length) {
        const newline = out.indexOf(0x0a, offset);
        if (newline < 0) break;
        const [oid = '', type = '', size = ''] = out.subarray(offset, newline).toString('utf8').split(' ');
        if (type === 'missing' || size === '') {
          reject(new CapschedError('source-read-failed', `git object ${oid} is missing`));
          return;
        }
        const start = newline + 1;
        const end = start + Number(size);
        blobs.set(oid, new Uint8Array(out.subarray(start, end)));
        offset = end + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(`${objects.join('\n')}\n`);
  });
}
