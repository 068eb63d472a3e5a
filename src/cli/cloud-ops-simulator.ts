/**
 * `capsched cloud-ops-simulator`: serves the Cloud Ops API simulator until SIGINT/SIGTERM and
 * prints what a client needs to reach it (never the API key itself).
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../core/errors.js';
import type { ApsStats, CapacityTarget } from '../core/ports.js';
import { parseDurationMs } from '../config/cloud-ops.js';
import { createLogger, type Logger } from '../log/index.js';
import { Secret } from '../log/secrets.js';
import { DEFAULT_APS_STATS, DEFAULT_VALID_TRU_VALUES, startCloudOpsSimulator, type CloudOpsSimulator } from '../simulator/index.js';
import type { CliIO, Command } from './io.js';

export const DEFAULT_SIMULATOR_PORT = 7243;
export const DEFAULT_SIMULATOR_NAMESPACE = 'capsched-demo.sim01';

const HELP = `usage: capsched cloud-ops-simulator [options]

Serves a local Temporal Cloud Ops API simulator (gRPC, plain text) holding namespaces whose
capacity capsched can read and change: async operations, resource versions, valid TRU values
and errors behave like the real API. Stops on Ctrl+C (SIGINT) or SIGTERM.

options:
  --port N                  port to listen on (default ${DEFAULT_SIMULATOR_PORT}; 0 = any free port)
  --host H                  address to bind (default 127.0.0.1)
  --namespace NS            a namespace to serve; repeat for more (default ${DEFAULT_SIMULATOR_NAMESPACE})
  --provisioned NS=TRUS     start NS with provisioned capacity instead of on-demand (repeatable)
  --api-key K               the API key clients must send (default TEMPORAL_CLOUD_API_KEY;
                            when neither is set any bearer token is accepted)
  --operation-delay D       time until a capacity change is fulfilled (default 2s; e.g. 500ms, 2m)
  --valid-tru LIST          valid TRU values, comma-separated (default ${DEFAULT_VALID_TRU_VALUES.join(',')})
  --max-available-tru N     inventory cap (default the largest valid value)
  --aps-stats NS=mean:M,p90:P,p99:Q
                            NS's last 7 days of APS as GetNamespaceCapacityInfo reports them
                            (repeatable; default mean:${DEFAULT_APS_STATS.mean},p90:${DEFAULT_APS_STATS.p90},p99:${DEFAULT_APS_STATS.p99})
  --on-demand-aps NS=APS    the APS limit NS gets on-demand now (repeatable; default the
                            documented max(500, min(4 × mean, 2 × p90)) over its stats: 500)
  -h, --help                show this help
`;

export interface SimulatorRunOptions {
  /** Stops the simulator when aborted (the command itself wires SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the simulator listens (tests use it). */
  onReady?: (simulator: CloudOpsSimulator) => void;
  /** Default: pino to stderr. */
  logger?: Logger;
}

function usageError(io: CliIO, message: string): number {
  io.stderr(`capsched cloud-ops-simulator: ${message}\n\n${HELP}`);
  return ExitCode.usage;
}

/** "NS=mean:300,p90:700,p99:1200" → the namespace and its stats, or what is wrong with it. */
export function parseApsStats(item: string): { namespace: string; stats: ApsStats } | string {
  const m = /^([^=]+)=(.+)$/.exec(item);
  if (m === null) return 'must be NAMESPACE=mean:M,p90:P,p99:Q';
  const figures: Partial<Record<keyof ApsStats, number>> = {};
  for (const part of (m[2] as string).split(',')) {
    const f = /^\s*(mean|p90|p99)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (f === null) return `has "${part}": each figure is mean:N, p90:N or p99:N (N ≥ 0)`;
    figures[f[1] as keyof ApsStats] = Number(f[2]);
  }
  const { mean, p90, p99 } = figures;
  if (mean === undefined || p90 === undefined || p99 === undefined) return 'needs all three of mean, p90 and p99';
  return { namespace: m[1] as string, stats: { mean, p90, p99 } };
}

export async function runCloudOpsSimulator(argv: string[], io: CliIO, run: SimulatorRunOptions = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        namespace: { type: 'string', multiple: true },
        provisioned: { type: 'string', multiple: true },
        'api-key': { type: 'string' },
        'operation-delay': { type: 'string' },
        'valid-tru': { type: 'string' },
        'max-available-tru': { type: 'string' },
        'aps-stats': { type: 'string', multiple: true },
        'on-demand-aps': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(HELP);
    return ExitCode.ok;
  }
  const port = v.port === undefined ? DEFAULT_SIMULATOR_PORT : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError(io, `--port: "${v.port}" is not a port number`);
  let operationDelayMs = 2000;
  try {
    if (v['operation-delay'] !== undefined) operationDelayMs = parseDurationMs(v['operation-delay'], '--operation-delay');
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  let validTruValues: number[] | undefined;
  if (v['valid-tru'] !== undefined) {
    validTruValues = v['valid-tru'].split(',').map((s) => Number(s.trim()));
    if (validTruValues.length === 0 || validTruValues.some((n) => !Number.isFinite(n) || n <= 0))
      return usageError(io, `--valid-tru: "${v['valid-tru']}" must be positive numbers separated by commas`);
  }
  let maxAvailableTruValue: number | undefined;
  if (v['max-available-tru'] !== undefined) {
    maxAvailableTruValue = Number(v['max-available-tru']);
    if (!Number.isFinite(maxAvailableTruValue) || maxAvailableTruValue < 0)
      return usageError(io, `--max-available-tru: "${v['max-available-tru']}" is not a number`);
  }
  const namespaces = v.namespace ?? [DEFAULT_SIMULATOR_NAMESPACE];
  const initialCapacity: Record<string, CapacityTarget> = {};
  for (const item of v.provisioned ?? []) {
    const m = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(item);
    if (m === null) return usageError(io, `--provisioned: "${item}" must be NAMESPACE=TRUS`);
    const name = m[1] as string;
    if (!namespaces.includes(name)) namespaces.push(name);
    initialCapacity[name] = { mode: 'provisioned', trus: Number(m[2]) };
  }
  const apsStats: Record<string, ApsStats> = {};
  for (const item of v['aps-stats'] ?? []) {
    const parsed = parseApsStats(item);
    if (typeof parsed === 'string') return usageError(io, `--aps-stats: "${item}" ${parsed}`);
    if (!namespaces.includes(parsed.namespace)) namespaces.push(parsed.namespace);
    apsStats[parsed.namespace] = parsed.stats;
  }
  const onDemandApsLimit: Record<string, number> = {};
  for (const item of v['on-demand-aps'] ?? []) {
    const m = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(item);
    if (m === null || !(Number(m[2]) > 0)) return usageError(io, `--on-demand-aps: "${item}" must be NAMESPACE=APS with APS a positive number`);
    const name = m[1] as string;
    if (!namespaces.includes(name)) namespaces.push(name);
    onDemandApsLimit[name] = Number(m[2]);
  }
  const keyText = v['api-key'] ?? io.env.TEMPORAL_CLOUD_API_KEY;
  const apiKey = keyText === undefined || keyText.trim() === '' ? undefined : new Secret(keyText.trim());

  let simulator: CloudOpsSimulator;
  try {
    simulator = await startCloudOpsSimulator({
      port,
      host: v.host ?? '127.0.0.1',
      namespaces,
      initialCapacity,
      operationDelayMs,
      ...(apiKey ? { apiKey: apiKey.reveal() } : {}),
      ...(validTruValues ? { validTruValues } : {}),
      ...(maxAvailableTruValue !== undefined ? { maxAvailableTruValue } : {}),
      apsStats,
      onDemandApsLimit,
      logger: run.logger ?? createLogger({ name: 'capsched' }),
    });
  } catch (err) {
    io.stderr(`capsched cloud-ops-simulator: could not listen on ${v.host ?? '127.0.0.1'}:${port}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  const lines = [
    `Cloud Ops API simulator listening on ${simulator.address} (plain-text gRPC)`,
    `namespaces: ${namespaces.map((ns) => `${ns} (${initialCapacity[ns] ? `provisioned ${initialCapacity[ns].mode === 'provisioned' ? initialCapacity[ns].trus : ''} TRU` : 'on-demand'})`).join(', ')}`,
    `operation delay: ${operationDelayMs} ms`,
    '',
    'Point capsched at it:',
    `  export TEMPORAL_CLOUD_ENDPOINT=${simulator.address}`,
    '  export TEMPORAL_CLOUD_ALLOW_INSECURE=true',
    apiKey
      ? `  export TEMPORAL_CLOUD_API_KEY=...   (the key given with ${v['api-key'] !== undefined ? '--api-key' : 'TEMPORAL_CLOUD_API_KEY'}; not printed)`
      : '  export TEMPORAL_CLOUD_API_KEY=anything   (no key configured: any bearer token is accepted)',
    '',
    'Press Ctrl+C to stop.',
  ];
  io.stdout(`${lines.join('\n')}\n`);
  run.onReady?.(simulator);

  await new Promise<void>((resolve) => {
    if (run.signal === undefined) return; // serve forever
    if (run.signal.aborted) return resolve();
    run.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await simulator.stop();
  io.stdout('Cloud Ops API simulator stopped.\n');
  return ExitCode.ok;
}

export const cloudOpsSimulatorCommand: Command = async (argv, io) => {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runCloudOpsSimulator(argv, io, { signal: controller.signal });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
};
