/**
 * `capsched run`: the daemon. Watches the plan source, reconciles on an interval and on
 * webhooks, and runs the capacity-change worker in the same process.
 */
import { readActionsPrice } from './actions-price.js';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RECONCILE_OPTIONS, UsageError, parseReconcileFlags } from './reconcile-options.js';
import { readGitCredentials } from '../adapters/source/index.js';
import * as compose from '../compose.js';
import { readCloudOpsSettings } from '../config/cloud-ops.js';
import { readTemporalSettings } from '../config/temporal.js';
import { readWorkerSettings } from '../config/worker-settings.js';
import { parseDuration } from '../core/capacity/duration.js';
import { DEFAULT_MAX_PRUNE_SHARE } from '../core/diff/diff.js';
import { CapschedError, ExitCode, isCapschedError } from '../core/errors.js';
import { DEFAULT_TASK_QUEUE } from '../core/workflow-contract.js';
import { DEFAULT_INTERVAL_MS, DEFAULT_LISTEN, startDaemon } from '../daemon/index.js';
import { insecureListenerMessage, isLoopbackHost, parseListen } from '../daemon/http-server.js';
import { createLogger, scrub, Secret } from '../log/index.js';
import type { CliIO, Command } from './io.js';

export const RUN_HELP = `usage: capsched run [options]

The daemon: checks the plan source every --interval (and at once on POST /webhook or a folder
change) with free reads, runs a reconcile pass (billed Actions) only when that would change
something, validates the whole revision, reconciles this installation's Temporal Schedules, and runs
the capacity-change worker in the same process. An invalid revision changes nothing (the last good
one stays applied) and raises one alert; an unreachable source keeps the last good state, backs
off and alerts once. Any number of daemons may run for one installation: Temporal runs one
reconcile pass at a time for all of them (workflow capsched-reconciler-<installation>).

Source
  --source <src>            git URL (https, ssh, file), path to a git repository, or a plain folder
                            (env CAPSCHED_SOURCE; default .)
  --branch <name>           git branch (env CAPSCHED_BRANCH; default main)
  --path <dir>              plans folder inside the source (env CAPSCHED_PATH; default schedules)
  --interval <d>            check interval, e.g. 30s, 5m (env CAPSCHED_INTERVAL; default 30s)
  --fetch-timeout <d>       deadline of one git fetch (default 60s)
  --pass-heartbeat-timeout <d>
                            a pass whose daemon stops heartbeating for this long is handed to another
                            daemon of the installation (default 30s)
  --work-dir <dir>          git cache location (env CAPSCHED_WORK_DIR; default .capsched)
                            HTTPS credentials: env CAPSCHED_GIT_TOKEN (+ CAPSCHED_GIT_USERNAME)

Reconcile
  --installation <id>       this installation's id (env CAPSCHED_INSTALLATION; default "default")
  --task-queue <q>          capacity-change task queue (env CAPSCHED_TASK_QUEUE; default ${DEFAULT_TASK_QUEUE})
  --dry-run                 compute and log change sets, write nothing, run no worker
  --no-self-heal            report hand edits of managed schedules instead of restoring them
  --live-reductions <when>  at-end (default): a running window keeps its TRUs and end until its end
                            when its plan is reduced, deleted or paused; now: apply reductions now
                            (env CAPSCHED_LIVE_REDUCTIONS)
  --allow-prune-all         allow deleting every managed schedule / more than --max-prune-share
  --max-prune-share <x>     largest share of managed schedules one pass may delete (default ${DEFAULT_MAX_PRUNE_SHARE})
  --no-worker               do not run the capacity-change worker in this process
  --reverify-interval <d>   inside an active window, the coordinator re-reads capacity this often and
                            restores an out-of-band change (UI, tcld, Terraform), alerting once
                            (env CAPSCHED_REVERIFY_INTERVAL; default 15m; 0 = off)
  --no-reverify-self-heal   only alert such a change, never restore it (env CAPSCHED_REVERIFY_SELF_HEAL=false)

HTTP
  --listen <host:port>      /healthz, /readyz, /metrics, POST /webhook
                            (env CAPSCHED_LISTEN; default ${DEFAULT_LISTEN}, loopback only)
  --webhook-secret-env <V>  name of the env variable holding the GitHub webhook secret
                            (default CAPSCHED_WEBHOOK_SECRET); when set, X-Hub-Signature-256 is required.
                            A listener beyond loopback needs it: without a secret capsched refuses to
                            start (CAPSCHED_WEBHOOK_INSECURE=1 overrides, with a warning). Webhooks
                            start at most one pass per 10 s; a signed push of the applied commit none.
  --sdk-metrics-listen <host:port>
                            the Temporal SDK's Prometheus exporter (worker metrics: pollers, task slots,
                            latencies) on its own port; /metrics includes them too
                            (env CAPSCHED_SDK_METRICS_LISTEN; default off)

Temporal
  --address <host:port>     Temporal frontend (env TEMPORAL_ADDRESS; envconfig profiles apply)
  --namespace <ns>          namespace of the schedules and workers (env TEMPORAL_NAMESPACE)
  --profile <name>          envconfig profile (env TEMPORAL_PROFILE)

Alerts go to SLACK_WEBHOOK_URL when set, else to the log. SIGTERM/SIGINT: stop reconciling,
let an in-flight pass and activities finish, close connections, exit 0.
`;

interface RunSettings {
  source: string;
  branch: string;
  path: string;
  intervalMs: number;
  fetchTimeoutMs: number;
  passHeartbeatTimeoutMs: number;
  workDir: string;
  /** --work-dir or CAPSCHED_WORK_DIR was given (no fallback then). */
  workDirExplicit: boolean;
  installation: string;
  taskQueue: string;
  dryRun: boolean;
  selfHeal: boolean;
  allowPruneAll: boolean;
  maxPruneShare: number;
  /** Reductions of running windows: at their end (default) or now. */
  liveReductions: 'at-end' | 'now';
  worker: boolean;
  /** --reverify-interval (the worker settings read it, with CAPSCHED_REVERIFY_INTERVAL). */
  reverifyInterval?: string;
  noReverifySelfHeal: boolean;
  listen: string;
  sdkMetricsListen: string | undefined;
  webhookSecret: Secret | undefined;
  /** CAPSCHED_WEBHOOK_INSECURE=1: serve POST /webhook beyond loopback without a secret (warned loudly). */
  webhookInsecure: boolean;
  address?: string;
  namespace?: string;
  profile?: string;
}

function duration(text: string, flag: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new UsageError(`${flag} ${parsed.message}`);
  if (parsed.ms <= 0) throw new UsageError(`${flag} "${text}" must be longer than zero, e.g. 30s or 5m`);
  return parsed.ms;
}

function parse(argv: string[], io: CliIO): RunSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      ...RECONCILE_OPTIONS,
      interval: { type: 'string' },
      'fetch-timeout': { type: 'string' },
      'pass-heartbeat-timeout': { type: 'string' },
      'work-dir': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'no-worker': { type: 'boolean', default: false },
      'reverify-interval': { type: 'string' },
      'no-reverify-self-heal': { type: 'boolean', default: false },
      listen: { type: 'string' },
      'sdk-metrics-listen': { type: 'string' },
      'webhook-secret-env': { type: 'string' },
      'live-reductions': { type: 'string' },
    },
  });
  if (values.help === true) return 'help';
  const { installation, taskQueue, maxPruneShare } = parseReconcileFlags(values, io.env);
  const listen = values.listen ?? io.env.CAPSCHED_LISTEN ?? DEFAULT_LISTEN;
  try {
    parseListen(listen);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const sdkMetricsListen = values['sdk-metrics-listen'] ?? (io.env.CAPSCHED_SDK_METRICS_LISTEN?.trim() || undefined);
  if (sdkMetricsListen !== undefined) {
    let port = 0;
    try {
      port = parseListen(sdkMetricsListen).port;
    } catch {
      // reported below
    }
    if (port === 0) throw new UsageError(`--sdk-metrics-listen "${sdkMetricsListen}" must be host:port with a fixed port, e.g. 127.0.0.1:9465`);
    if (sdkMetricsListen === listen) throw new UsageError('--sdk-metrics-listen must differ from --listen');
  }
  const secretVariable = values['webhook-secret-env'] ?? 'CAPSCHED_WEBHOOK_SECRET';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretVariable))
    throw new UsageError('--webhook-secret-env must name an environment variable, e.g. CAPSCHED_WEBHOOK_SECRET');
  const secretValue = io.env[secretVariable];
  if (values['webhook-secret-env'] !== undefined && (secretValue === undefined || secretValue === '')) {
    throw new UsageError(`--webhook-secret-env ${secretVariable}: the variable is not set`);
  }
  const webhookInsecure = /^(1|true|yes)$/i.test(io.env.CAPSCHED_WEBHOOK_INSECURE?.trim() ?? '');
  if ((secretValue === undefined || secretValue === '') && !webhookInsecure && !isLoopback(listen)) {
    throw new UsageError(insecureListenerMessage(listen, secretVariable));
  }
  const liveReductions = values['live-reductions'] ?? io.env.CAPSCHED_LIVE_REDUCTIONS ?? 'at-end';
  if (liveReductions !== 'at-end' && liveReductions !== 'now') throw new UsageError(`--live-reductions "${liveReductions}": use at-end (default) or now`);
  return {
    liveReductions,
    source: values.source ?? io.env.CAPSCHED_SOURCE ?? '.',
    branch: values.branch ?? io.env.CAPSCHED_BRANCH ?? 'main',
    path: values.path ?? io.env.CAPSCHED_PATH ?? 'schedules',
    intervalMs: duration(values.interval ?? io.env.CAPSCHED_INTERVAL ?? `${DEFAULT_INTERVAL_MS / 1000}s`, '--interval'),
    fetchTimeoutMs: duration(values['fetch-timeout'] ?? '60s', '--fetch-timeout'),
    passHeartbeatTimeoutMs: duration(values['pass-heartbeat-timeout'] ?? '30s', '--pass-heartbeat-timeout'),
    workDir: values['work-dir'] ?? io.env.CAPSCHED_WORK_DIR ?? '.capsched',
    workDirExplicit: values['work-dir'] !== undefined || (io.env.CAPSCHED_WORK_DIR ?? '') !== '',
    installation,
    taskQueue,
    dryRun: values['dry-run'] === true,
    selfHeal: values['no-self-heal'] !== true,
    allowPruneAll: values['allow-prune-all'] === true,
    maxPruneShare,
    worker: values['no-worker'] !== true,
    ...(values['reverify-interval'] === undefined ? {} : { reverifyInterval: values['reverify-interval'] }),
    noReverifySelfHeal: values['no-reverify-self-heal'] === true,
    listen,
    sdkMetricsListen,
    webhookSecret: secretValue === undefined || secretValue === '' ? undefined : new Secret(secretValue),
    webhookInsecure,
    ...(values.address === undefined ? {} : { address: values.address }),
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
  };
}

function writableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function isLoopback(listen: string): boolean {
  return isLoopbackHost(parseListen(listen).host);
}

export const runCommand: Command = async (argv, io) => {
  let settings: RunSettings | 'help';
  try {
    settings = parse(argv, io);
  } catch (err) {
    io.stderr(`capsched run: ${err instanceof Error ? err.message : String(err)}\nRun \`capsched run --help\` for the options.\n`);
    return ExitCode.usage;
  }
  if (settings === 'help') {
    io.stdout(RUN_HELP);
    return ExitCode.ok;
  }
  const s = settings;
  const logger = createLogger({ name: 'capsched' });

  // The daemon owns SIGTERM/SIGINT: install the Temporal Runtime without its own handlers first.
  const { installTemporalRuntime, sdkMetricsUrl } = await import('../temporal/sdk-logger.js');
  try {
    if (!installTemporalRuntime(logger, { infoAs: 'debug', ...(s.sdkMetricsListen === undefined ? {} : { metricsListen: s.sdkMetricsListen }) })) {
      if (s.sdkMetricsListen !== undefined)
        logger.warn({ sdkMetricsListen: s.sdkMetricsListen }, 'the Temporal runtime was already installed: SDK metrics stay as configured there');
      else logger.debug('temporal runtime already installed');
    }
  } catch (err) {
    io.stderr(`capsched run: --sdk-metrics-listen ${s.sdkMetricsListen}: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.usage;
  }

  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    const temporalSettings = readTemporalSettings(io.env, { address: s.address, namespace: s.namespace, profile: s.profile });
    const workerSettings = readWorkerSettings(io.env, {
      taskQueue: s.taskQueue,
      dryRun: s.dryRun,
      ...(s.reverifyInterval === undefined ? {} : { reverifyInterval: s.reverifyInterval }),
      noReverifySelfHeal: s.noReverifySelfHeal,
    });
    const notifier = compose.notifier({ webhookUrl: workerSettings.slackWebhookUrl, logger, dryRun: s.dryRun });
    const sourceAt = (workDir: string) =>
      compose.planSource({
        source: s.source,
        branch: s.branch,
        path: s.path,
        cwd: io.cwd,
        workDir,
        credentials: readGitCredentials(io.env),
        fetchTimeoutMs: s.fetchTimeoutMs,
        logger,
      });
    let source = sourceAt(s.workDir);
    if (source.kind === 'git') {
      // The git cache needs a writable work dir: check now, not on every pass. The default
      // (.capsched under the current directory) falls back to the temp dir, e.g. in a container
      // whose working directory is read-only; an explicit --work-dir never does.
      let workDir = resolve(io.cwd, s.workDir);
      if (!writableDir(workDir)) {
        if (s.workDirExplicit) {
          io.stderr(`capsched run: the work dir ${workDir} is not writable; set --work-dir or CAPSCHED_WORK_DIR to a writable directory\n`);
          return ExitCode.usage;
        }
        const fallback = join(tmpdir(), `capsched-${process.getuid?.() ?? 'user'}`);
        if (!writableDir(fallback)) {
          io.stderr(`capsched run: neither ${workDir} nor ${fallback} is writable; set --work-dir or CAPSCHED_WORK_DIR\n`);
          return ExitCode.usage;
        }
        logger.warn({ workDir, fallback }, 'the default work dir is not writable; keeping the git cache in the temp dir (set CAPSCHED_WORK_DIR)');
        workDir = fallback;
        source = sourceAt(workDir);
      }
    }
    if (s.webhookSecret === undefined && !isLoopback(s.listen)) {
      // Only with CAPSCHED_WEBHOOK_INSECURE (parse refuses it otherwise).
      logger.warn(
        { listen: s.listen },
        'INSECURE: POST /webhook is served beyond loopback without a webhook secret (CAPSCHED_WEBHOOK_INSECURE): anyone who can reach the port can make capsched check the plan source (at most one check per 10 s; a reconcile pass, billed Actions, only when the head changed). Set CAPSCHED_WEBHOOK_SECRET.',
      );
    }
    const installation = s.installation;
    const uiToken = io.env.CAPSCHED_UI_TOKEN === undefined || io.env.CAPSCHED_UI_TOKEN.trim() === '' ? undefined : new Secret(io.env.CAPSCHED_UI_TOKEN.trim());
    if (uiToken === undefined && !isLoopback(s.listen)) {
      logger.warn(
        { listen: s.listen },
        'the page at GET / is served beyond loopback without a token: anyone who can reach it can read it (set CAPSCHED_UI_TOKEN)',
      );
    }
    // The page reads capacity as Cloud Ops reports it; without a key it shows "unknown".
    const pageCloudOpsSettings = readCloudOpsSettings(io.env);
    const pageCloudOps =
      pageCloudOpsSettings.apiKey === undefined && !pageCloudOpsSettings.allowInsecure ? undefined : compose.cloudOps(pageCloudOpsSettings, logger);
    // The page's worst-case figures: CAPSCHED_ACTIONS_PRICE (USD per million Actions), default the list $50.
    const actionsPrice = readActionsPrice(undefined, io.env);
    if (!actionsPrice.ok) {
      io.stderr(`capsched run: CAPSCHED_ACTIONS_PRICE: ${actionsPrice.error}\n`);
      return ExitCode.usage;
    }
    daemon = await startDaemon({
      ...(pageCloudOps === undefined ? {} : { cloudOps: pageCloudOps }),
      ui: { ...(uiToken === undefined ? {} : { token: uiToken }), temporalUiUrl: workerSettings.temporalUiUrl, actionsPrice: actionsPrice.price },
      installation,
      source,
      temporal: {
        connect: () =>
          compose.connectTemporal(temporalSettings).catch((err: unknown) => {
            throw new CapschedError(
              'temporal-unreachable',
              `cannot connect to Temporal at ${temporalSettings.address}: ${err instanceof Error ? err.message : String(err)}`,
              { retry: 'transient', cause: err },
            );
          }),
        namespace: temporalSettings.namespace,
      },
      reconcile: {
        store: (client) => compose.scheduleStore(client),
        live: (client) => compose.liveStore(client),
        options: {
          taskQueue: s.taskQueue,
          selfHeal: s.selfHeal,
          allowPruneAll: s.allowPruneAll,
          maxPruneShare: s.maxPruneShare,
          dryRun: s.dryRun,
          plansPath: s.path,
          liveReductions: s.liveReductions,
        },
      },
      notifier,
      logger,
      intervalMs: s.intervalMs,
      dryRun: s.dryRun,
      listen: s.listen,
      ...(s.sdkMetricsListen === undefined ? {} : { sdkMetricsUrl: sdkMetricsUrl(s.sdkMetricsListen) }),
      webhookSecret: s.webhookSecret,
      webhookInsecure: s.webhookInsecure,
      shutdownGraceMs: workerSettings.shutdownGraceMs,
      passHeartbeatTimeoutMs: s.passHeartbeatTimeoutMs,
      capacityWorker:
        s.worker && !s.dryRun
          ? async ({ connection: conn, client, namespace, notifier: n, logger: l, identity, metrics }) => {
              const cloudOpsSettings = readCloudOpsSettings(io.env);
              if (cloudOpsSettings.apiKey === undefined && !cloudOpsSettings.allowInsecure) {
                l.warn('TEMPORAL_CLOUD_API_KEY is not set: capacity changes started by the schedules will fail until it is');
              }
              return compose.capacityWorker({
                connection: conn,
                client,
                namespace,
                taskQueue: s.taskQueue,
                cloudOps: compose.cloudOps(cloudOpsSettings, l),
                notifier: n,
                logger: l,
                identity,
                metrics,
                shutdownGraceMs: workerSettings.shutdownGraceMs,
                settings: {
                  dryRun: workerSettings.dryRun,
                  namespaceAllowlist: workerSettings.namespaceAllowlist,
                  namespaceDenylist: workerSettings.namespaceDenylist,
                  temporalUiUrl: workerSettings.temporalUiUrl,
                  reverifyIntervalMs: workerSettings.reverifyIntervalMs,
                  reverifySelfHeal: workerSettings.reverifySelfHeal,
                },
              });
            }
          : undefined,
    });
  } catch (err) {
    const message = scrub(err instanceof Error ? err.message : String(err));
    logger.error({ err }, 'daemon failed to start');
    io.stderr(`capsched run: ${message}\n`);
    return isCapschedError(err) && err.retry === 'terminal' ? ExitCode.usage : ExitCode.internal;
  }
  io.stderr(`capsched run: serving on http://${daemon.httpAddress} (page at /, healthz, readyz, metrics, webhook)\n`);

  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  return new Promise<number>((resolve) => {
    let signals = 0;
    onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        resolve(130);
        return;
      }
      logger.info({ signal }, 'signal received: shutting down');
      daemon.stop().then(
        () => resolve(ExitCode.ok),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(ExitCode.internal);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    daemon.done.catch(async (err: unknown) => {
      logger.fatal({ err }, 'daemon failed; shutting down');
      await daemon.stop().catch(() => undefined);
      resolve(ExitCode.internal);
    });
  }).then((code) => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    return code;
  });
};
