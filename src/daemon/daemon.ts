/**
 * `capsched run`: the source watcher, the reconciler and the in-process workers in one process.
 * This file is the lifecycle (start, readiness, status, stop); the daemon's jobs have their own
 * files: what triggers a pass (./triggers.ts), the workers (./workers.ts), the record of what was
 * applied (./applied-record.ts), the page's reading (./present.ts) and HTTP (./endpoints.ts).
 *
 * Passes are serialized by Temporal, not by this process: every daemon of an installation
 * signals one reconciler workflow (`capsched-reconciler-<installation>`, signal-with-start) and
 * polls its task queue, and that workflow runs one pass activity at a time. Two daemons on one
 * installation therefore share one writer, one status and one alert state. `--dry-run` runs
 * passes locally instead (it computes and logs, writes nothing, and must not take passes away
 * from a real daemon).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { liveStore } from '../compose.js';
import type { CapacityMetrics, CloudOps, LiveStore, Notifier, PlanSource, ScheduleStore } from '../core/ports.js';
import type { PresentView } from '../core/present/model.js';
import { CapschedError } from '../core/errors.js';
import {
  DEFAULT_PASS_HEARTBEAT_TIMEOUT_MS,
  reconcilerTaskQueue,
  reconcilerWorkflowId,
  STATE_QUERY,
  type ReconcilerState,
} from '../core/reconciler-contract.js';
import type { Logger } from '../log/index.js';
import type { Secret } from '../log/secrets.js';
import { createLiveReadMemo, runPass, type PassRecord, type ReconcileOptions, type ReconcileResult } from '../reconcile/index.js';
import { AppliedRecord } from './applied-record.js';
import { startDaemonEndpoints } from './endpoints.js';
import { insecureListenerMessage, isLoopbackHost, parseListen, type DaemonHttpServer } from './http-server.js';
import { DaemonMetrics } from './metrics.js';
import { AlertLog, PresentReader } from './present.js';
import { startChecks } from './checks.js';
import { createWebhookGate, startTriggers } from './triggers.js';
import type { LastCheck } from '../core/pass-probe.js';
import { DaemonWorkers, reconcilerWorker } from './workers.js';

export const DEFAULT_INTERVAL_MS = 30_000;
/** Webhooks start at most one pass per this; every pass is billed Actions (docs/BENCHMARKS.md "capsched's own Actions"). */
export const DEFAULT_WEBHOOK_MIN_INTERVAL_MS = 10_000;
export const DEFAULT_LISTEN = '127.0.0.1:9464';

/** A Temporal connection and the client over it, as compose.connectTemporal returns them. */
export interface TemporalClientOf {
  connection: NativeConnection;
  client: Client;
  namespace: string;
}

export interface CapacityWorkerContext {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  notifier: Notifier;
  logger: Logger;
  identity: string;
  /** Counters the capacity worker's activities feed (served at /metrics). */
  metrics: CapacityMetrics;
}

/** What each pass reconciles into (src/reconcile runs the pass; the daemon only schedules it). */
export interface DaemonReconcile {
  /** The schedule store, or how to build it from the daemon's Temporal client. */
  store: ScheduleStore | ((client: Client) => ScheduleStore);
  /** The coordinators and running windows (the present), from the daemon's Temporal client; absent: schedules only. */
  live?: (client: Client) => LiveStore;
  /** reconcileOnce options; dryRun computes the same change set and writes nothing. */
  options: ReconcileOptions;
  /** Sees every pass's full result (the `capsched dev` table). */
  onResult?: (result: ReconcileResult) => Promise<void>;
}

export interface DaemonOptions {
  installation: string;
  /** Plan source; a watchable one (folder) triggers passes on change. */
  source: PlanSource & { watch?: (onChange: () => void) => () => Promise<void> };
  reconcile: DaemonReconcile;
  /**
   * The process's Temporal connection and client (src/compose.ts makes them): an existing one (the
   * caller closes it) or a way to open one (the daemon closes it).
   */
  temporal: TemporalClientOf | { connect: () => Promise<TemporalClientOf>; namespace: string };
  notifier: Notifier;
  logger: Logger;
  /** Fetch interval (default 30 s), jittered ±10 %; exponential backoff after failures. */
  intervalMs?: number;
  /** Compute and log change sets locally; no reconciler workflow, no capacity worker, no writes. */
  dryRun?: boolean;
  /** host:port for /healthz, /readyz, /metrics, /webhook (default 127.0.0.1:9464; port 0 = any). */
  listen?: string;
  webhookSecret?: Secret;
  /** Serve POST /webhook beyond loopback without a secret (CAPSCHED_WEBHOOK_INSECURE); otherwise startDaemon refuses it. */
  webhookInsecure?: boolean;
  /** Webhooks start at most one pass per this (default 10 s); a burst becomes one pass at the end of it. */
  webhookMinIntervalMs?: number;
  /** Starts the in-process capacity-change worker (omitted: no capacity worker in this process). */
  capacityWorker?: (context: CapacityWorkerContext) => Promise<Worker>;
  /** A pass without a heartbeat for this long is taken over by another daemon (default 30 s). */
  passHeartbeatTimeoutMs?: number;
  /** Grace for an in-flight pass on shutdown (default 20 s). */
  shutdownGraceMs?: number;
  identity?: string;
  /** Cloud Ops reads for the page and /metrics (capacity as the API reports it); omitted: shown as unknown. */
  cloudOps?: CloudOps;
  /** Namespaces the page and `capsched status` show besides the plans' (the playground's demo namespace). */
  alsoNamespaces?: readonly string[];
  /**
   * The Temporal SDK's Prometheus exporter of this process (Runtime telemetry, e.g.
   * http://127.0.0.1:9465/metrics): its worker metrics are appended to /metrics, so one scrape
   * target has both. Omitted: /metrics has capsched's and Node's metrics only.
   */
  sdkMetricsUrl?: string;
  /** The page at GET /. */
  ui?: {
    /** CAPSCHED_UI_TOKEN: bearer token for / and /status. */
    token?: Secret;
    /** Seconds between the page's self-refreshes (default 5). */
    refreshSeconds?: number;
    /** Base of the Temporal Web UI for workflow links, e.g. http://localhost:8233. */
    temporalUiUrl?: string;
    /** How often the page's record of applied TRUs reads the coordinators when nobody loads the page (default 15 s). */
    recordEveryMs?: number;
    /** CAPSCHED_ACTIONS_PRICE: USD per million Actions for the worst-case figures (default the list $50). */
    actionsPrice?: number;
  };
}

export interface DaemonStatus {
  identity: string;
  installation: string;
  mode: 'reconciler-workflow' | 'dry-run';
  source: string;
  ready: boolean;
  notReadyReasons: string[];
  /** The installation's reconciler state (any daemon's passes); undefined until known. */
  state: ReconcilerState | undefined;
  /** Passes this process ran (newest last, at most 100). */
  localPasses: PassRecord[];
  /** This daemon's last free check (head, schedules, running coordinators read; no Action) and how many it made. */
  lastCheck?: LastCheck;
  checks: number;
  workers: Record<string, string>;
}

export interface DaemonHandle {
  httpAddress: string;
  identity: string;
  /** Asks for a pass now (coalesced with any pending request). Resolves once the request is recorded. */
  triggerNow(reason?: string): Promise<void>;
  status(): Promise<DaemonStatus>;
  /** What the page shows. */
  present(): Promise<PresentView>;
  /** Stop reconciling, drain the workers, close the HTTP server and (owned) connection. */
  stop(): Promise<void>;
  /** Settles when the daemon stopped; rejects when a worker failed on its own. */
  done: Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<DaemonHandle> {
  const listen = options.listen ?? DEFAULT_LISTEN;
  if (options.webhookSecret === undefined && options.webhookInsecure !== true && !isLoopbackHost(parseListen(listen).host)) {
    throw new CapschedError('config-webhook-secret-missing', insecureListenerMessage(listen), { retry: 'terminal' });
  }
  const identity = options.identity ?? `capsched-run@${hostname()}:${process.pid}:${randomUUID().slice(0, 6)}`;
  const logger = options.logger.child({ component: 'daemon', installation: options.installation });
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const metrics = new DaemonMetrics({ intervalMs });
  const localPasses: PassRecord[] = [];
  const dryRun = options.dryRun === true;
  const workflowId = reconcilerWorkflowId(options.installation);
  const taskQueue = reconcilerTaskQueue(options.installation);
  let stopping = false;

  const ownsConnection = 'connect' in options.temporal;
  const { connection, client } = 'connect' in options.temporal ? await options.temporal.connect() : options.temporal;

  // The page's record: plans of the applied commit, drift, the last pass's live changes, alerts.
  const alertLog = new AlertLog();
  const notifier = alertLog.wrap(countingNotifier(options.notifier, metrics));
  const record = new AppliedRecord(options.source, options.reconcile.onResult);
  /** The commit this daemon's last pass settled: a webhook naming it starts no pass. */
  let settledRevision: string | undefined;
  const onResult = async (result: ReconcileResult): Promise<void> => {
    // A failed pass is retried by the next one, a webhook may ask for it; these would only end the same way.
    settledRevision = ['applied', 'unchanged', 'invalid', 'prune-blocked'].includes(result.status) && !result.dryRun ? result.revision : undefined;
    await record.onResult(result);
  };

  // The present, read through the LiveStore port: the pass's own store, or a reading one for the page.
  const passLive = options.reconcile.live?.(client);
  const liveMemo = createLiveReadMemo();
  const live = passLive ?? liveStore(client);
  const passDeps = {
    installation: options.installation,
    source: record.source,
    store: typeof options.reconcile.store === 'function' ? options.reconcile.store(client) : options.reconcile.store,
    ...(passLive === undefined ? {} : { live: passLive }),
    options: options.reconcile.options,
    // Passes on the same commit with the same running windows reuse the last coordinator read (queries are billed).
    liveMemo,
    onResult,
    notifier,
    logger: options.logger,
    metrics,
    identity,
    onPass: (passRecord: PassRecord) => {
      localPasses.push(passRecord);
      if (localPasses.length > 100) localPasses.shift();
    },
  };

  const workers = new DaemonWorkers(logger, () => stopping);
  /** Start-up failed half-way: stop the workers started so far and the connection we opened. */
  const abortStart = async (): Promise<void> => {
    stopping = true;
    await workers.shutdown();
    if (ownsConnection) await connection.close();
  };

  try {
    if (!dryRun) {
      workers.start(
        'reconciler',
        await reconcilerWorker({
          connection,
          client,
          namespace: options.temporal.namespace,
          taskQueue,
          identity,
          logger,
          passDeps,
          passHeartbeatTimeoutMs: options.passHeartbeatTimeoutMs ?? DEFAULT_PASS_HEARTBEAT_TIMEOUT_MS,
          shutdownGraceMs: options.shutdownGraceMs ?? 20_000,
        }),
      );
      if (options.capacityWorker !== undefined) {
        workers.start(
          'capacity',
          await options.capacityWorker({ connection, client, namespace: options.temporal.namespace, notifier, logger: options.logger, identity, metrics }),
        );
      }
    }
  } catch (err) {
    await abortStart();
    throw err;
  }

  const triggers = startTriggers({
    client,
    installation: options.installation,
    workflowId,
    taskQueue,
    intervalMs,
    passHeartbeatTimeoutMs: options.passHeartbeatTimeoutMs,
    dryRun,
    logger,
    stopping: () => stopping,
    runLocalPass: (state) => runPass(passDeps, state),
  });
  const trigger = (reason: string): Promise<void> => triggers.trigger(reason);

  // ---- status ----
  /** `run`: the reconciler run and history length the state was queried at (it changes only in the workflow's tasks). */
  let cachedState: { at: number; state: ReconcilerState; run?: string } | undefined;
  /** Set while the installation's state cannot be read from Temporal (shown by /readyz). */
  let stateUnavailable: string | undefined;
  /** Whether the reconciler had a pass activity pending at the last describe. */
  let passRunning = false;
  const installationState = async (): Promise<ReconcilerState | undefined> => {
    if (dryRun) {
      const localState = triggers.localState();
      return localState.passes > 0 ? localState : undefined;
    }
    if (cachedState !== undefined && Date.now() - cachedState.at < 250) return cachedState.state;
    try {
      // A query is a billed Action (a readiness probe every 10 s would be 8,640 a day); a describe is
      // not. The state changes only in the reconciler's workflow tasks, each of which grows its
      // history: while the run and its history length stay, the last answer stands.
      const handle = client.workflow.getHandle(workflowId);
      const described = await handle.describe();
      passRunning = described.status.name === 'RUNNING' && (described.raw.pendingActivities ?? []).length > 0;
      const run = described.status.name === 'RUNNING' ? `${described.runId}:${described.historyLength}` : undefined;
      if (run !== undefined && cachedState?.run === run) {
        cachedState = { ...cachedState, at: Date.now() };
        stateUnavailable = undefined;
        return cachedState.state;
      }
      const state = await handle.query<ReconcilerState>(STATE_QUERY);
      cachedState = { at: Date.now(), state, ...(run === undefined ? {} : { run }) };
      stateUnavailable = undefined;
      return state;
    } catch (err) {
      stateUnavailable =
        err instanceof WorkflowNotFoundError
          ? 'the reconciler workflow is not running (the watchdog restarts it)'
          : 'the reconciler state cannot be read from Temporal';
      if (!(err instanceof WorkflowNotFoundError)) logger.debug({ err }, 'reconciler state query failed');
      return cachedState?.state;
    }
  };

  const readiness = async (): Promise<{ ready: boolean; reasons: string[]; state: ReconcilerState | undefined }> => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    if (workers.failure !== undefined) reasons.push('a worker failed');
    for (const [name, state] of Object.entries(workers.states())) if (state !== 'RUNNING') reasons.push(`${name} worker ${state.toLowerCase()}`);
    const state = await installationState();
    if (stateUnavailable !== undefined) reasons.push(stateUnavailable);
    else if (state === undefined || state.passes === 0) reasons.push('first reconcile pass not finished');
    return { ready: reasons.length === 0, reasons, state };
  };
  /** What GET /status shows; the daemon's own status() adds its local passes and workers. */
  const baseStatus = async () => {
    const { ready, reasons, state } = await readiness();
    return {
      identity,
      installation: options.installation,
      mode: dryRun ? ('dry-run' as const) : ('reconciler-workflow' as const),
      source: options.source.describe(),
      ready,
      notReadyReasons: reasons,
      state,
      ...(checks?.last() === undefined ? {} : { lastCheck: checks.last() }),
      checks: checks?.count() ?? 0,
    };
  };

  // ---- free checks: a pass (billed) only when the pass's own planning finds something to do ----
  const checks = dryRun
    ? undefined
    : startChecks({
        installation: options.installation,
        identity,
        source: options.source,
        store: passDeps.store,
        ...(passLive === undefined ? {} : { live: passLive }),
        options: options.reconcile.options,
        liveMemo,
        intervalMs,
        installationState: async () => {
          const state = await installationState();
          return { state: stateUnavailable === undefined ? state : undefined, passRunning };
        },
        trigger,
        logger,
        stopping: () => stopping,
        onCheck: (check, sourceFailed) => metrics.checked(check, sourceFailed),
      });
  /** A webhook or a folder change: a free check now (dry run: a local pass). */
  const checkNow = (reason: string): Promise<void> => (checks === undefined ? trigger(reason) : checks.checkNow(reason));

  // ---- the page ----
  const present = new PresentReader({
    live,
    installation: options.installation,
    ...(options.cloudOps === undefined ? {} : { cloudOps: options.cloudOps }),
    ...(options.ui?.actionsPrice === undefined ? {} : { actionsPrice: options.ui.actionsPrice }),
    ...(options.alsoNamespaces === undefined ? {} : { alsoNamespaces: options.alsoNamespaces }),
    ...(options.ui?.temporalUiUrl === undefined
      ? {}
      : { temporalUi: { baseUrl: options.ui.temporalUiUrl.replace(/\/+$/, ''), namespace: options.temporal.namespace } }),
  });
  const presentView = async (): Promise<PresentView> => {
    const { state } = await readiness();
    return present.view({
      applied: record.applied,
      state,
      ...(checks?.last() === undefined ? {} : { lastCheck: checks.last() }),
      sourceDescription: options.source.describe(),
      alerts: [...alertLog.entries],
      ...(record.drift === undefined ? {} : { drift: record.drift }),
      ...(record.livePass === undefined ? {} : { livePass: record.livePass }),
    });
  };

  // ---- webhooks: a pass costs Actions, so a push of the commit already applied starts none, and
  // webhooks start at most one pass per webhookMinIntervalMs (a burst: one more pass at its end). ----
  const webhooks = createWebhookGate({
    minIntervalMs: options.webhookMinIntervalMs ?? DEFAULT_WEBHOOK_MIN_INTERVAL_MS,
    settledRevision: () => settledRevision,
    stopping: () => stopping,
    trigger: checkNow,
  });

  let http: DaemonHttpServer;
  try {
    http = await startDaemonEndpoints({
      listen,
      logger: options.logger,
      log: logger,
      readiness,
      status: baseStatus,
      present,
      presentView,
      record,
      sourceDescription: () => options.source.describe(),
      metrics,
      workerStates: () => workers.states(),
      sdkMetricsUrl: options.sdkMetricsUrl,
      webhook: webhooks.gate,
      refreshSeconds: options.ui?.refreshSeconds ?? 5,
      uiToken: options.ui?.token,
      webhookSecret: options.webhookSecret,
    });
  } catch (err) {
    await abortStart();
    await triggers.stop();
    throw err;
  }

  const stopWatching = options.source.watch?.(() => {
    checkNow('source-change').catch(() => undefined);
  });

  // The page's last 24 h: every coordinator's effective TRUs, read on a timer as well as on each
  // page view, so the record is what was applied and not only what someone happened to look at.
  // One reading at a time; shutdown waits (bounded) for the one in flight before the connection closes.
  let recording: Promise<void> | undefined;
  const recorder = setInterval(
    () => {
      const applied = record.applied;
      if (stopping || applied === undefined || recording !== undefined) return;
      recording = present
        .recordCoordinators([...new Set(applied.plans.map((lp) => lp.plan.namespace))])
        .catch((err: unknown) => logger.debug({ err }, 'the page record could not read the coordinators'))
        .finally(() => {
          recording = undefined;
        });
    },
    Math.max(1_000, options.ui?.recordEveryMs ?? 15_000),
  );
  recorder.unref();

  logger.info(
    { identity, mode: dryRun ? 'dry-run' : 'reconciler-workflow', workflowId, taskQueue, intervalMs, source: options.source.describe(), http: http.address },
    'daemon started',
  );
  // A daemon that does not know the installation's last pass signals once; one that does checks for free.
  if (!dryRun) await checkNow('startup').catch(() => undefined);

  let resolveDone: () => void = () => undefined;
  let rejectDone: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined);
  for (const [name, { run }] of workers.running) {
    run.catch((err: unknown) => {
      if (!stopping) rejectDone(new Error(`the ${name} worker stopped: ${err instanceof Error ? err.message : String(err)}`));
    });
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      clearInterval(recorder);
      webhooks.stop();
      logger.info('daemon stopping: no new passes; draining workers');
      await stopWatching?.();
      await checks?.stop();
      await triggers.stop();
      if (recording !== undefined) await Promise.race([recording, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await workers.shutdown();
      await http.close();
      if (ownsConnection) await connection.close();
      logger.info('daemon stopped');
      resolveDone();
    })();
    return stopped;
  };

  return {
    httpAddress: http.address,
    identity,
    triggerNow: (reason = 'manual') => trigger(reason),
    status: async () => {
      return {
        ...(await baseStatus()),
        localPasses: [...localPasses],
        workers: workers.states(),
      };
    },
    present: presentView,
    stop,
    done,
  };
}

/** Counts every alert handed to the notifier, delivered or not, by severity. */
function countingNotifier(notifier: Notifier, metrics: DaemonMetrics): Notifier {
  return {
    notify: async (alert) => {
      try {
        await notifier.notify(alert);
        metrics.alertSent(alert.severity, true);
      } catch (err) {
        metrics.alertSent(alert.severity, false);
        throw err;
      }
    },
  };
}
