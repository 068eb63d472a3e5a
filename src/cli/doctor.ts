/**
 * `capsched doctor [--json] [--send-test]`: one checklist of everything capsched needs, read in
 * ten seconds: ✓ fine, ✗ capsched cannot work this way, ! works but look; the fix on the same
 * line. Reads only, except `--send-test` (one clearly marked Slack message) and the clock probe
 * (a workflow on a task queue no worker polls, terminated at once). Secrets are never printed.
 * Exit codes: 0 nothing is ✗, 1 something is ✗, 2 usage.
 */
import { parseArgs } from 'node:util';
import * as compose from '../compose.js';
import { readTemporalSettings, type TemporalSettings } from '../config/temporal.js';
import { parseDuration } from '../core/capacity/duration.js';
import { doctorExitCode, doctorReport, formatDoctorJson, formatDoctorText, type DoctorCheck } from '../core/doctor/checks.js';
import { ExitCode } from '../core/errors.js';
import { scrub } from '../log/secrets.js';
import type { CliIO, Command } from './io.js';
import { cliLogger, LOG_FORMAT_HELP, parseLogFormat, routeTemporalSdkLogs } from './log.js';
import { RECONCILE_OPTIONS, UsageError, parseReconcileFlags } from './reconcile-options.js';
import { why, type Parsed } from './doctor-shared.js';
import { checkTemporal, clockLine } from './doctor-temporal.js';
import { checkCloud } from './doctor-cloud-ops.js';
import { checkSlack } from './doctor-slack.js';
import { checkSource } from './doctor-source.js';

export const DOCTOR_HELP = `usage: capsched doctor [--json] [--send-test] [options]

Checks everything capsched needs and prints one line per check, with the fix on the same line:
  ✓ fine   ✗ capsched cannot work this way   ! works, but look
Temporal (reachable, namespace, server version), capsched's six search attributes, workers
polling the capacity task queue and the reconciler's, the reconciler workflow's state, the Cloud
Ops API key and API version, each namespace the plans name (readable, Namespace Admin, current
capacity, valid TRU values, and whether the plans' TRUs × 500 APS raise throughput above the
namespace's on-demand APS limit now, with a right-size hint from its 7-day p99), the Slack
webhook, the plan source at its head, and the clock skew
against the Temporal server. Secrets are never printed.

  --json                  one JSON object ({ ok, checks: [{ id, status, title, detail, fix }] })
  --send-test             post one clearly marked test message to the Slack webhook
  --worker-seen-within <d> a worker counts as polling when the server saw it this recently
                          (default 90s: workers long-poll for up to a minute)
  --source <src>          plan source as for \`capsched run\` (env CAPSCHED_SOURCE; default .)
  --branch <name>         git branch (env CAPSCHED_BRANCH; default main)
  --path <dir>            plans folder inside the source (env CAPSCHED_PATH; default schedules)
  --installation <id>     installation id (env CAPSCHED_INSTALLATION; default "default")
  --task-queue <q>        the capacity worker's task queue (env CAPSCHED_TASK_QUEUE)
  --address <host:port>   Temporal frontend (env TEMPORAL_ADDRESS; envconfig profiles apply)
  --namespace <ns>        capsched's Temporal namespace (env TEMPORAL_NAMESPACE)
  --profile <name>        envconfig profile (env TEMPORAL_PROFILE)
${LOG_FORMAT_HELP}
  -h, --help              show this help

environment: TEMPORAL_CLOUD_API_KEY, TEMPORAL_CLOUD_ENDPOINT, TEMPORAL_CLOUD_ALLOW_INSECURE,
SLACK_WEBHOOK_URL, CAPSCHED_GIT_TOKEN (as for \`capsched run\`)

Exit status: 0 nothing is ✗ (warnings allowed), 1 at least one ✗, 2 usage.
`;

const DEFAULT_SEEN_WITHIN_MS = 90_000;

function parse(argv: string[], io: CliIO): Parsed | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...RECONCILE_OPTIONS,
      json: { type: 'boolean', default: false },
      'send-test': { type: 'boolean', default: false },
      'worker-seen-within': { type: 'string' },
      'log-format': { type: 'string' },
    },
  });
  if (values.help === true) return 'help';
  const { installation, taskQueue } = parseReconcileFlags(values, io.env);
  let seenWithinMs = DEFAULT_SEEN_WITHIN_MS;
  if (values['worker-seen-within'] !== undefined) {
    const d = parseDuration(values['worker-seen-within']);
    if (!d.ok || d.ms <= 0) throw new UsageError(`--worker-seen-within "${values['worker-seen-within']}" is not a positive duration, e.g. 90s`);
    seenWithinMs = d.ms;
  }
  return {
    source: values.source ?? io.env.CAPSCHED_SOURCE ?? '.',
    branch: values.branch ?? io.env.CAPSCHED_BRANCH ?? 'main',
    path: values.path ?? io.env.CAPSCHED_PATH ?? 'schedules',
    installation,
    taskQueue,
    json: values.json === true,
    sendTest: values['send-test'] === true,
    seenWithinMs,
    flags: {
      ...(values.address === undefined ? {} : { address: values.address }),
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
      ...(values.profile === undefined ? {} : { profile: values.profile }),
    },
    logFormat: parseLogFormat(values['log-format'], io.env),
  };
}

export const doctorCommand: Command = async (argv, io) => {
  let p: Parsed | 'help';
  try {
    p = parse(argv, io);
  } catch (err) {
    io.stderr(`capsched doctor: ${err instanceof Error ? err.message : String(err)}\n\n${DOCTOR_HELP}`);
    return ExitCode.usage;
  }
  if (p === 'help') {
    io.stdout(DOCTOR_HELP);
    return ExitCode.ok;
  }
  const logger = cliLogger(io, p.logFormat);
  let settings: TemporalSettings;
  try {
    settings = readTemporalSettings(io.env, p.flags);
  } catch (err) {
    io.stderr(`capsched doctor: the Temporal connection settings cannot be read: ${why(err)}\n`);
    return ExitCode.usage;
  }
  const checks: DoctorCheck[] = [];
  const sourcePromise = checkSource(p, io, logger);
  let temporal: compose.TemporalConnection | undefined;
  let skewMs: number | undefined;
  let uncertaintyMs = 0;
  try {
    try {
      await routeTemporalSdkLogs(logger, p.logFormat, io);
      temporal = await compose.connectTemporal(settings);
    } catch (err) {
      checks.push({
        id: 'temporal.reachable',
        status: 'fail',
        title: 'Temporal',
        detail: `cannot connect to ${settings.address} (namespace ${settings.namespace}): ${why(err)}`,
        fix: 'check --address / TEMPORAL_ADDRESS, TLS and TEMPORAL_API_KEY (or the envconfig profile)',
      });
    }
    if (temporal !== undefined) {
      const facts = await checkTemporal(p, settings, temporal);
      checks.push(...facts.checks);
      skewMs = facts.skewMs;
      uncertaintyMs = facts.uncertaintyMs ?? 0;
    }
    const source = await sourcePromise;
    checks.push(...(await checkCloud(io, source.plans)));
    checks.push(await checkSlack(io, p.sendTest, logger));
    checks.push(source.check);
    if (skewMs !== undefined) checks.push(clockLine(skewMs, uncertaintyMs));
    else if (temporal === undefined) checks.push({ id: 'clock', status: 'warn', title: 'Clock', detail: 'skew not measured (Temporal unreachable)' });
  } finally {
    await temporal?.close().catch(() => undefined);
  }
  const report = doctorReport(checks.map((c) => ({ ...c, detail: scrub(c.detail), ...(c.fix === undefined ? {} : { fix: scrub(c.fix) }) })));
  io.stdout(p.json ? formatDoctorJson(report) : formatDoctorText(report));
  return doctorExitCode(report);
};
