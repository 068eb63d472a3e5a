/**
 * One reconcile pass from the command line (source → validate → desired → diff → apply), what
 * `capsched diff` (./diff.ts) and `capsched apply` (./apply.ts) share: their flags, the pass, its
 * output. `capsched apply --dry-run` and `capsched diff` run the same pass without writing.
 */
import { readActionsPrice } from './actions-price.js';
import { parseArgs } from 'node:util';
import { RECONCILE_OPTIONS, UsageError, parseReconcileFlags } from './reconcile-options.js';
import { readGitCredentials } from '../adapters/source/index.js';
import * as compose from '../compose.js';
import { readTemporalSettings } from '../config/temporal.js';
import { CapschedError, ExitCode, isCapschedError } from '../core/errors.js';
import { DEFAULT_MAX_PRUNE_SHARE } from '../core/diff/diff.js';
import { formatChangeSetJson } from '../core/report/changeset-json.js';
import { formatChangeSetMarkdown } from '../core/report/changeset-markdown.js';
import type { ChangeSetView } from '../core/report/changeset-model.js';
import { formatChangeSetText } from '../core/report/changeset-text.js';
import { DEFAULT_TASK_QUEUE } from '../core/workflow-contract.js';
import { scrub } from '../log/index.js';
import { cliLogger, LOG_FORMAT_HELP, parseLogFormat, routeTemporalSdkLogs, type LogFormat } from './log.js';
import { passLogger, reconcileOnce, type ReconcileResult } from '../reconcile/index.js';
import type { ApplyProgress } from '../apply/index.js';
import { clockOf } from './clock.js';
import { readThroughput } from './throughput.js';
import type { CliIO } from './io.js';

const FORMATS: Record<string, (view: ChangeSetView) => string> = { text: formatChangeSetText, json: formatChangeSetJson, markdown: formatChangeSetMarkdown };

/** The options diff and apply share (their helps end with them). */
export const COMMON_HELP = `  --source <src>          git URL, path to a git repository, or a plain folder (env CAPSCHED_SOURCE; default .)
  --branch <name>         git branch (default main)
  --path <dir>            plans folder inside the source (default schedules)
  --installation <id>     this installation's id; only schedules carrying it are managed
                          (env CAPSCHED_INSTALLATION; default "default")
  --task-queue <q>        task queue of the capacity-change worker (env CAPSCHED_TASK_QUEUE; default ${DEFAULT_TASK_QUEUE})
  --format <f>            text (default), json, markdown
  --no-self-heal          report hand edits of managed schedules instead of restoring them
  --deep                  describe every managed schedule to find hand edits list() cannot show
                          (task queue, policies); one extra call per schedule
  --allow-prune-all       allow deleting every managed schedule / more than --max-prune-share
  --max-prune-share <x>   largest share of managed schedules one pass may delete (default ${DEFAULT_MAX_PRUNE_SHARE})
  --strict                validation warnings count as errors
  --now <iso>             evaluate one-offs and window previews as of this instant
  --actions-price <usd>   USD per million Actions for the "worst case if unused" figures
                          (default 50, the list price; env CAPSCHED_ACTIONS_PRICE)
  --address <host:port>   Temporal frontend (env TEMPORAL_ADDRESS; envconfig profiles apply)
  --namespace <ns>        Temporal namespace holding the schedules (env TEMPORAL_NAMESPACE)
  --profile <name>        envconfig profile (env TEMPORAL_PROFILE)
${LOG_FORMAT_HELP}
  -h, --help              show this help`;

interface Parsed {
  source: string;
  branch: string;
  path: string;
  installation: string;
  taskQueue: string;
  format: (view: ChangeSetView) => string;
  selfHeal: boolean;
  deep: boolean;
  allowPruneAll: boolean;
  maxPruneShare: number;
  strict: boolean;
  dryRun: boolean;
  force: boolean;
  now: number;
  address?: string;
  namespace?: string;
  profile?: string;
  logFormat: LogFormat;
  actionsPrice: number;
}

function parse(argv: string[], io: CliIO, command: 'diff' | 'apply'): Parsed | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...RECONCILE_OPTIONS,
      format: { type: 'string', default: 'text' },
      deep: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      now: { type: 'string' },
      'actions-price': { type: 'string' },
      'log-format': { type: 'string' },
      ...(command === 'apply' ? { 'dry-run': { type: 'boolean' as const, default: false }, force: { type: 'boolean' as const, default: false } } : {}),
    },
  });
  if (values.help === true) return 'help';
  const format = FORMATS[String(values.format)];
  if (format === undefined) throw new UsageError(`unknown --format "${String(values.format)}"; use text, json or markdown`);
  const { installation, taskQueue, maxPruneShare } = parseReconcileFlags(values, io.env);
  let now = Date.now();
  if (values.now !== undefined) {
    const text = String(values.now);
    now = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(now)) throw new UsageError(`--now "${text}" is not an ISO instant with a zone, e.g. 2026-12-01T00:00:00Z`);
  }
  const opt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const price = readActionsPrice(opt(values['actions-price']), io.env);
  if (!price.ok) throw new UsageError(price.error);
  return {
    source: opt(values.source) ?? io.env.CAPSCHED_SOURCE ?? '.',
    branch: opt(values.branch) ?? io.env.CAPSCHED_BRANCH ?? 'main',
    path: opt(values.path) ?? io.env.CAPSCHED_PATH ?? 'schedules',
    installation,
    taskQueue,
    format,
    selfHeal: values['no-self-heal'] !== true,
    deep: values.deep === true,
    allowPruneAll: values['allow-prune-all'] === true,
    maxPruneShare,
    strict: values.strict === true,
    dryRun: command === 'diff' || (values as { 'dry-run'?: boolean })['dry-run'] === true,
    force: (values as { force?: boolean }).force === true,
    now,
    logFormat: parseLogFormat(opt(values['log-format']), io.env),
    actionsPrice: price.price,
    ...(opt(values.address) === undefined ? {} : { address: opt(values.address)! }),
    ...(opt(values.namespace) === undefined ? {} : { namespace: opt(values.namespace)! }),
    ...(opt(values.profile) === undefined ? {} : { profile: opt(values.profile)! }),
  };
}

const OUTCOME_TEXT: Record<string, string> = {
  created: 'created',
  updated: 'updated',
  paused: 'paused',
  unpaused: 'unpaused',
  deleted: 'deleted',
  unchanged: 'unchanged',
  'already-deleted': 'already gone',
};

/** One stderr line per schedule change as it is made (apply without --dry-run or --format json). */
function progressPrinter(io: CliIO): (event: ApplyProgress) => void {
  const stamp = clockOf(io.env, true);
  return (event) => {
    const at = stamp(new Date().toISOString());
    if ('error' in event) {
      const e = event.error;
      io.stderr(`  ${at} ✗ ${e.kind} ${e.scheduleId}${e.plan === '' ? '' : ` (plan ${e.plan})`} failed: ${scrub(e.message)} [${e.code}]\n`);
      return;
    }
    const a = event.action;
    const notes = [
      ...(a.note === undefined ? [] : [a.note]),
      ...(a.runningWindows === undefined ? [] : [`${a.runningWindows.length} running window(s) revert at their end`]),
      ...(a.cancelledWindows === undefined ? [] : [`cancelled ${a.cancelledWindows.length} running window(s)`]),
    ];
    io.stderr(`  ${at} ${OUTCOME_TEXT[a.outcome] ?? a.outcome} ${a.scheduleId} (plan ${a.plan})${notes.length === 0 ? '' : `: ${notes.join('; ')}`}\n`);
  };
}

function printInvalid(result: ReconcileResult, io: CliIO, json: boolean): void {
  if (json) {
    io.stdout(
      `${JSON.stringify({ version: 1, installation: result.installation, revision: result.revision, status: result.status, issues: result.issues, errors: result.errors }, null, 2)}\n`,
    );
    return;
  }
  if (result.status !== 'invalid') {
    // The plans are fine; Temporal could not be read (unreachable, search attributes missing, …).
    io.stderr(`capsched: the schedules could not be read from Temporal; nothing was changed:\n`);
    for (const e of result.errors) io.stderr(`  ${e.message.replace(/\n/g, '\n  ')} [${e.code}]\n`);
    return;
  }
  io.stderr(`capsched: the plans at ${result.revision} are not applied:\n`);
  for (const i of result.issues) io.stderr(`  ${i.file}:${i.line}:${i.column} ${i.field === '' ? '' : `${i.field}: `}${i.message} [${i.code}]\n`);
  for (const e of result.errors) io.stderr(`  ${e.message.replace(/\n/g, '\n  ')} [${e.code}]\n`);
  io.stderr('Nothing was changed. Fix the errors above (`capsched validate` shows every problem).\n');
}

/** How a command reads a pass: its help, its exit on a usage error, its exit for a result. */
export interface PassCommand {
  command: 'diff' | 'apply';
  help: string;
  usageExit: number;
  exit: (result: ReconcileResult, dryRun: boolean) => number;
}

export async function runReconcile(argv: string[], io: CliIO, { command, help, usageExit, exit }: PassCommand): Promise<number> {
  let parsed: Parsed | 'help';
  try {
    parsed = parse(argv, io, command);
  } catch (err) {
    io.stderr(`capsched ${command}: ${err instanceof Error ? err.message : String(err)}\n\n${help}`);
    return usageExit;
  }
  if (parsed === 'help') {
    io.stdout(help);
    return ExitCode.ok;
  }
  const p = parsed;
  const logger = cliLogger(io, p.logFormat);
  const json = p.format === formatChangeSetJson;
  let temporal: Awaited<ReturnType<typeof compose.connectTemporal>> | undefined;
  try {
    const source = compose.planSource({ source: p.source, branch: p.branch, path: p.path, cwd: io.cwd, credentials: readGitCredentials(io.env), logger });
    const snapshot = await source.snapshot();
    const settings = readTemporalSettings(io.env, {
      ...(p.address === undefined ? {} : { address: p.address }),
      ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
      ...(p.profile === undefined ? {} : { profile: p.profile }),
    });
    // Connect on the first schedule call: an invalid snapshot never reaches Temporal at all.
    const client = async (): Promise<NonNullable<typeof temporal>['client']> => {
      try {
        if (temporal === undefined) await routeTemporalSdkLogs(logger, p.logFormat, io);
        temporal ??= await compose.connectTemporal(settings);
      } catch (err) {
        const why = scrub(err instanceof Error ? err.message : String(err));
        throw new CapschedError(
          'TEMPORAL_UNAVAILABLE',
          `cannot connect to Temporal at ${settings.address} (namespace ${settings.namespace}): ${why} — check --address / TEMPORAL_ADDRESS or the envconfig profile`,
          { retry: 'transient', cause: err },
        );
      }
      return temporal.client;
    };
    const store = compose.scheduleStoreOnFirstUse(async () => compose.scheduleStore(await client()));
    // The coordinators and running windows (the present), read after the schedules.
    const live = compose.liveStoreOnFirstUse(async () => compose.liveStore(await client()));
    const reconcileId = `${p.installation}-${p.now.toString(36)}`;
    const result = await reconcileOnce({
      snapshot,
      store,
      live,
      installation: p.installation,
      now: p.now,
      logger: passLogger(logger, { installation: p.installation, reconcileId, revision: snapshot.revision }),
      reconcileId,
      ...(p.dryRun || json ? {} : { onProgress: progressPrinter(io) }),
      options: {
        taskQueue: p.taskQueue,
        selfHeal: p.selfHeal,
        deepDriftCheck: p.deep,
        allowPruneAll: p.allowPruneAll,
        maxPruneShare: p.maxPruneShare,
        strict: p.strict,
        dryRun: p.dryRun,
        force: p.force,
        plansPath: p.path,
      },
    });
    if (result.changeSet === undefined) {
      printInvalid(result, io, json);
      return ExitCode.invalid;
    }
    // diff / --dry-run: each plan's TRUs against its namespace's on-demand limit (where a Cloud Ops key exists).
    const throughput = p.dryRun ? await readThroughput(io.env, result.validation?.plans ?? []) : undefined;
    io.stdout(
      p.format({
        ...result,
        changeSet: result.changeSet,
        selfHeal: p.selfHeal,
        actionsPrice: p.actionsPrice,
        ...(throughput === undefined ? {} : { throughput }),
        ...(result.dryRun ? {} : { applied: result.applied, ...(result.liveApplied === undefined ? {} : { liveApplied: result.liveApplied }) }),
      }),
    );
    return exit(result, p.dryRun);
  } catch (err) {
    const code = isCapschedError(err) ? ` [${err.code}]` : '';
    io.stderr(`capsched ${command}: ${scrub(err instanceof Error ? err.message : String(err))}${code}\n`);
    return ExitCode.invalid;
  } finally {
    await temporal?.close().catch(() => undefined);
  }
}
