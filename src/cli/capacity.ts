/**
 * `capsched capacity <namespace> [--json]`: a namespace's capacity as the Cloud Ops API reports it
 * (mode, TRUs, latest request and its state, valid TRU values).
 * Exit codes: 0 ok, 1 API error, 2 usage or configuration.
 */
import { parseArgs } from 'node:util';
import { CapschedError, ExitCode } from '../core/errors.js';
import type { ApsStats, CapacityInfo, CapacityTarget, NamespaceCapacity } from '../core/ports.js';
import { formatAps } from '../core/capacity/throughput.js';
import { readCloudOpsSettings } from '../config/cloud-ops.js';
import { CloudOpsErrorCode, describeTarget, toNamespaceCapacity } from '../adapters/cloud-ops/index.js';
import { cloudOps } from '../compose.js';
import { scrub } from '../log/secrets.js';
import type { Command } from './io.js';

const HELP = `usage: capsched capacity <namespace> [--json]

Shows the namespace's capacity as the Temporal Cloud Ops API reports it: mode (on-demand or
provisioned), current TRUs, the latest capacity request and its state, the TRU values the
namespace can be set to, the APS limit on-demand gives it now and its last 7 days of APS.

options:
  --json        print one JSON object instead of text
  -h, --help    show this help

environment:
  TEMPORAL_CLOUD_API_KEY         API key (Namespace Admin on the namespace is enough)
  TEMPORAL_CLOUD_ENDPOINT        gRPC endpoint (default saas-api.tmprl.cloud:443)
  TEMPORAL_CLOUD_ALLOW_INSECURE  true for a plain-text endpoint (the local simulator)

exit codes: 0 ok, 1 API error, 2 usage or configuration error
`;

export interface CapacityReport extends NamespaceCapacity {
  /** The namespace's current actions-per-second limit (500 per TRU when provisioned). */
  apsLimit?: number;
  validTruValues: number[];
  maxAvailableTruValue?: number;
  hasLegacyLimits?: boolean;
  /** The APS limit on-demand gives the namespace now (GetNamespaceCapacityInfo). */
  onDemandApsLimit?: number;
  /** Its last 7 days of APS. */
  apsStats?: ApsStats;
}

function modeText(c: NamespaceCapacity): string {
  if (c.mode === 'provisioned') return `provisioned, ${c.currentTrus ?? '?'} TRU`;
  if (c.mode === 'onDemand') return 'on-demand';
  return 'unknown (the API reported no current mode)';
}

const STATE_TEXT = { completed: 'completed', inProgress: 'in progress', failed: 'failed', unspecified: 'unspecified' } as const;

export function formatCapacity(report: CapacityReport): string {
  const rows: [string, string][] = [
    ['Namespace', report.namespace],
    ['Mode', modeText(report)],
  ];
  if (report.apsLimit !== undefined) rows.push(['APS limit', String(report.apsLimit)]);
  const req = report.latestRequest;
  if (req === undefined) rows.push(['Latest request', 'none']);
  else {
    const target: CapacityTarget | undefined = req.target;
    rows.push(['Latest request', `${STATE_TEXT[req.state]}${target ? `: ${describeTarget(target)}` : ''}`]);
    if (req.asyncOperationId) rows.push(['  operation', req.asyncOperationId]);
    if (req.startTime) rows.push(['  started', req.startTime]);
    if (req.endTime) rows.push(['  ended', req.endTime]);
  }
  rows.push(['Valid TRU values', report.validTruValues.length > 0 ? report.validTruValues.join(', ') : 'none reported']);
  if (report.maxAvailableTruValue !== undefined) rows.push(['Max available', `${report.maxAvailableTruValue} TRU`]);
  if (report.onDemandApsLimit !== undefined) rows.push(['On-demand APS now', formatAps(report.onDemandApsLimit)]);
  if (report.apsStats !== undefined)
    rows.push(['7-day APS', `mean ${formatAps(report.apsStats.mean)}, p90 ${formatAps(report.apsStats.p90)}, p99 ${formatAps(report.apsStats.p99)}`]);
  if (report.hasLegacyLimits) rows.push(['Legacy limits', 'yes (an APS limit set by Temporal Support is kept across mode changes)']);
  rows.push(['Resource version', report.resourceVersion]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

export function mergeReport(capacity: NamespaceCapacity, info: CapacityInfo): CapacityReport {
  const report: CapacityReport = { ...capacity, validTruValues: info.validTruValues };
  if (info.maxAvailableTruValue !== undefined) report.maxAvailableTruValue = info.maxAvailableTruValue;
  if (info.hasLegacyLimits !== undefined) report.hasLegacyLimits = info.hasLegacyLimits;
  if (info.onDemandApsLimit !== undefined) report.onDemandApsLimit = info.onDemandApsLimit;
  if (info.apsStats !== undefined) report.apsStats = { ...info.apsStats };
  return report;
}

export const capacityCommand: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    io.stderr(`capsched capacity: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return ExitCode.usage;
  }
  if (parsed.values.help) {
    io.stdout(HELP);
    return ExitCode.ok;
  }
  if (parsed.positionals.length !== 1) {
    io.stderr(`capsched capacity: expected exactly one namespace, got ${parsed.positionals.length}\n\n${HELP}`);
    return ExitCode.usage;
  }
  const namespace = parsed.positionals[0] as string;
  const json = parsed.values.json;

  const fail = (err: unknown): number => {
    const e =
      err instanceof CapschedError
        ? err
        : new CapschedError(CloudOpsErrorCode.unavailable, err instanceof Error ? err.message : String(err), { retry: 'transient' });
    const message = scrub(e.message);
    if (json) io.stdout(`${JSON.stringify({ error: { code: e.code, retry: e.retry, message } }, null, 2)}\n`);
    io.stderr(`capsched capacity: ${message} [${e.code}]\n`);
    return e.code === CloudOpsErrorCode.config ? ExitCode.usage : 1;
  };

  let client;
  try {
    const settings = readCloudOpsSettings(io.env);
    if (settings.apiKey === undefined) {
      throw new CapschedError(CloudOpsErrorCode.config, 'TEMPORAL_CLOUD_API_KEY is not set (a Temporal Cloud API key with Namespace Admin on the namespace)', {
        retry: 'terminal',
      });
    }
    client = cloudOps(settings);
  } catch (err) {
    return fail(err);
  }
  try {
    const [ns, info] = await Promise.all([client.getNamespace(namespace), client.getCapacityInfo(namespace)]);
    const report = mergeReport(toNamespaceCapacity(ns), info);
    const aps = ns.limits?.actionsPerSecondLimit;
    if (typeof aps === 'number' && aps > 0) report.apsLimit = aps;
    io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : formatCapacity(report));
    return ExitCode.ok;
  } catch (err) {
    return fail(err);
  } finally {
    client.close();
  }
};
