/** Runs `capsched dev` (or any command) as a child process and watches its output. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Watched {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the stdout text after `from` satisfies test (checked on every chunk). */
  waitFor(test: (text: string) => boolean, timeoutMs: number, what: string, from?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) when the child exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWatched(command: string, args: string[], options: SpawnOptions): Watched {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
    for (const l of listeners) l();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (test, timeoutMs, what, from = 0) =>
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const text = out.slice(from);
          if (test(text)) {
            cleanup();
            resolve(text);
          } else if (done) {
            cleanup();
            reject(new Error(`process exited before ${what}\n--- stdout\n${out}\n--- stderr\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- stdout\n${out}\n--- stderr\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The dev server pid and addresses `capsched dev` prints in its header. */
export function parseHeader(text: string): { pid: number; address: string; uiUrl: string | undefined; readyz: string } {
  const server = /Temporal server\s+(\S+) \(pid (\d+)\)/.exec(text);
  const ui = /Temporal Web UI\s+(http:\/\/[^\s/]+)/.exec(text);
  const readyz = /daemon\s+(http:\/\/\S+)/.exec(text);
  if (server === null || readyz === null) throw new Error(`no header in:\n${text}`);
  return { address: server[1] as string, pid: Number(server[2]), uiUrl: ui?.[1], readyz: readyz[1] as string };
}

/** The table row of a plan in the newest table printed (undefined when absent). */
export function latestRow(text: string, plan: string): string | undefined {
  const tables = text.split('\ncapsched dev · ');
  const last = tables[tables.length - 1] ?? '';
  return last.split('\n').find((line) => line.startsWith(`${plan} `));
}

/** The newest table printed (from its title line on). */
export function latestTable(text: string): string {
  const at = text.lastIndexOf('capsched dev · ');
  return at === -1 ? '' : text.slice(at);
}

/** Awaits promise, failing after timeoutMs (the timer never outlives the wait). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}
