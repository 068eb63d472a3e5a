/**
 * How other commands find a running `capsched dev`: the playground writes a small JSON file with
 * its addresses to a per-user place and removes it on exit; `capsched status` reads it when no
 * daemon address is given and the default one does not answer.
 *
 * The place: $XDG_RUNTIME_DIR/capsched/dev.json when XDG_RUNTIME_DIR is set (Linux sessions),
 * else <os tmpdir>/capsched-<uid>/dev.json. The folder is created 0700 and the file written 0600.
 * The file holds the same `export` lines the banner prints, including TEMPORAL_CLOUD_API_KEY:
 * that is the Cloud Ops simulator's fixed throw-away key (it opens nothing but the local
 * simulator), never a real key.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface DevDiscovery {
  /** The `capsched dev` process. */
  pid: number;
  startedAt: string;
  /** The daemon's base URL (the page, /present.json, /readyz). */
  daemonUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl?: string;
  cloudOpsEndpoint: string;
  plansDir: string;
  /** Environment that points other commands at the playground (what the banner's `export` lines set). */
  env: Record<string, string>;
}

function uid(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
}

/** The discovery file's path for this user (env: XDG_RUNTIME_DIR). */
export function discoveryPath(env: NodeJS.ProcessEnv): string {
  const runtime = env.XDG_RUNTIME_DIR?.trim();
  const dir = runtime !== undefined && runtime !== '' ? join(runtime, 'capsched') : join(tmpdir(), `capsched-${uid()}`);
  return join(dir, 'dev.json');
}

/** Writes the file (folder 0700, file 0600, replaced atomically); returns its path. */
export function writeDiscovery(env: NodeJS.ProcessEnv, discovery: DevDiscovery): string {
  const path = discoveryPath(env);
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(discovery, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/** Removes the file when it is still this process's (another playground may have started since). */
export function removeDiscovery(env: NodeJS.ProcessEnv, pid: number = process.pid): void {
  const path = discoveryPath(env);
  const found = readDiscoveryFile(path);
  if (found !== undefined && found.pid !== pid) return;
  rmSync(path, { force: true });
}

function readDiscoveryFile(path: string): DevDiscovery | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<DevDiscovery>;
    if (typeof parsed.pid !== 'number' || typeof parsed.daemonUrl !== 'string') return undefined;
    return parsed as DevDiscovery;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running playground's discovery, or undefined (no file, unreadable, or its process is gone). */
export function readDiscovery(env: NodeJS.ProcessEnv): DevDiscovery | undefined {
  const found = readDiscoveryFile(discoveryPath(env));
  return found !== undefined && alive(found.pid) ? found : undefined;
}
