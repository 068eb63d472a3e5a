/**
 * The `capsched dev` playground: a real `temporal server start-dev` with its Web UI, the Cloud
 * Ops simulator seeded with every namespace the plans name, the capacity worker, and the daemon
 * reconciling a plain folder (chokidar triggers a pass on every edit). Nothing here is a mock:
 * it is `capsched run` wired to local stand-ins for Temporal Cloud.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { CloudOpsClient } from '../adapters/cloud-ops/index.js';
import * as compose from '../compose.js';
import { freePort, startDevServer, type DevServer } from '../adapters/temporal-dev-server/index.js';
import type { CapacityTarget } from '../core/ports.js';
import { loadPlans } from '../core/plan/load.js';
import { DEFAULT_TASK_QUEUE } from '../core/workflow-contract.js';
import { temporalSettingsAt } from '../config/temporal.js';
import { readWorkerSettings } from '../config/worker-settings.js';
import { startDaemon, type DaemonHandle } from '../daemon/index.js';
import type { Logger } from '../log/index.js';
import { Secret, registerSecret } from '../log/secrets.js';
import type { ReconcileResult } from '../reconcile/index.js';
import { startCloudOpsSimulator, type CloudOpsSimulator } from '../simulator/index.js';
import { DEMO_NAMESPACE, DemoTracker, readDemoStatus, startDemoWindow, type DemoTimings, type DemoView } from './demo.js';
import { activeSummary } from '../core/present/text.js';
import { rowsFromPresent, weekFromPresent, type DevView } from './table.js';

/** The playground's installation id (schedules are named capsched-dev-<plan>). */
export const DEV_INSTALLATION = 'dev';
/** The simulator's API key: not a secret (it only opens the local simulator), registered anyway. */
export const DEV_CLOUD_API_KEY = 'capsched-dev-simulator-key';

export interface PlaygroundOptions {
  /** Absolute path of the plans folder. */
  plansDir: string;
  /** Plan files are named relative to this when the folder is inside it (default process.cwd()). */
  cwd?: string;
  /** The `temporal` CLI (resolveTemporalBinary). */
  temporalBinary: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Temporal frontend port (default: a free one). */
  port?: number;
  /** Web UI port (default: a free one); false = headless. */
  uiPort?: number | false;
  /** Keep the dev server's data in this SQLite file across restarts (default: in memory). */
  dbFilename?: string;
  /** Periodic pass interval besides file-change triggers (default 5 s). */
  intervalMs?: number;
  /** How long a simulated capacity change takes (default 1 s; the real API takes up to minutes). */
  operationDelayMs?: number;
  /** Called whenever what the table shows changed (a pass finished, capacity changed). */
  onView?: (view: DevView) => void;
  /** The daemon's HTTP address, where the page is (default 127.0.0.1 on a free port). */
  listen?: string;
  /** Seconds between the page's self-refreshes (default 2). */
  pageRefreshSeconds?: number;
  /** The dev server's own output lines. */
  onServerOutput?: (line: string) => void;
  /**
   * The demo window (src/dev/demo.ts): a short ramp on its own namespace, started once the
   * daemon runs (default on, with DEMO_TIMINGS); false = none (`--no-demo`).
   */
  demo?: boolean | DemoTimings;
}

export interface Playground {
  devServer: DevServer;
  /** The simulator currently serving (it is restarted on the same port when plans add namespaces). */
  simulator(): CloudOpsSimulator;
  daemon: DaemonHandle;
  /** The plan source as the daemon reads it: `root` (a folder) and `path` inside it ("." for the root). */
  source: { root: string; path: string };
  /** The demo window as the table shows it; undefined with `demo: false`. */
  demo(): DemoView | undefined;
  view(): DevView;
  /** Stops the daemon and workers, then the simulator and the dev server. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const logger = options.logger.child({ component: 'dev' });
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err: unknown) => logger.warn({ err }, 'dev cleanup step failed'));
    }
  };

  // SLACK_WEBHOOK_URL and the namespace lists are honoured; dry-run is always off here. Read
  // first, so a bad setting fails before anything starts.
  const workerSettings = readWorkerSettings(options.env);

  try {
    // 1. Temporal, with the Web UI.
    const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? (await freePort()));
    const devServer = await startDevServer({
      binary: options.temporalBinary,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(uiPort === undefined ? {} : { uiPort }),
      ...(options.dbFilename === undefined ? {} : { dbFilename: options.dbFilename }),
      ...(options.onServerOutput === undefined ? {} : { onOutput: options.onServerOutput }),
      // Terminal Ctrl-C must reach capsched only: it stops the workers before the server.
      ownProcessGroup: true,
    });
    cleanups.push(() => devServer.stop());

    // 2. The plans folder, and the namespaces it names now (re-seeded as plans add more).
    // Inside the working directory, files are named relative to it ("schedules/x.yaml:7:3").
    const rel = relative(options.cwd ?? process.cwd(), options.plansDir);
    const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    const root = inside ? (options.cwd ?? process.cwd()) : options.plansDir;
    const plansPath = inside ? rel.split(sep).join('/') : '.';
    const source = compose.folderPlanSource({ root, path: plansPath, logger });
    const first = await source.snapshot();
    const namespaces = new Set(loadPlans(first.files, { plansPath }).plans.map((p) => p.plan.namespace));
    const demoTimings = typeof options.demo === 'object' ? options.demo : undefined;
    const demoOn = options.demo !== false;
    if (demoOn) namespaces.add(DEMO_NAMESPACE);

    // 3. The Cloud Ops simulator.
    registerSecret(DEV_CLOUD_API_KEY);
    let notify: () => void = () => undefined;
    const operationDelayMs = options.operationDelayMs ?? 1_000;
    const startSimulator = (port: number, initialCapacity: Record<string, CapacityTarget>): Promise<CloudOpsSimulator> =>
      startCloudOpsSimulator({
        port,
        namespaces: [...namespaces].sort(),
        apiKey: DEV_CLOUD_API_KEY,
        operationDelayMs,
        initialCapacity,
        logger,
        onChange: () => notify(),
      });
    let simulator = await startSimulator(0, {});
    cleanups.push(() => simulator.stop());
    let reseeding: Promise<void> = Promise.resolve();
    /** The simulator has no "add namespace": restart it on the same port, keeping every namespace's capacity. */
    const seed = (wanted: string[]): Promise<void> => {
      reseeding = reseeding.then(async () => {
        const missing = wanted.filter((n) => !namespaces.has(n));
        if (missing.length === 0) return;
        // Restarting forgets operations: wait until none is unfinished and the worker has had
        // time to read the last result (it polls every 100 ms-1 s), at most 30 s.
        const quietBy = Date.now() + 30_000;
        for (;;) {
          const ops = simulator.operations();
          const busy = ops.some((o) => o.state === 'pending' || o.state === 'inProgress');
          const lastEnd = Math.max(0, ...ops.map((o) => (o.finishedAt === undefined ? 0 : Date.parse(o.finishedAt))));
          if ((!busy && Date.now() - lastEnd > 1_500) || Date.now() > quietBy) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const kept: Record<string, CapacityTarget> = {};
        for (const n of namespaces) {
          const c = simulator.capacityOf(n);
          kept[n] = c.mode === 'provisioned' ? { mode: 'provisioned', trus: c.trus ?? 0 } : { mode: 'onDemand' };
        }
        for (const n of missing) namespaces.add(n);
        const port = simulator.port;
        await simulator.stop();
        simulator = await startSimulator(port, kept);
        logger.info({ added: missing, namespaces: [...namespaces] }, 'simulator re-seeded with new namespaces');
      });
      return reseeding;
    };

    const cloudOps: CloudOpsClient = compose.cloudOps(
      { endpoint: simulator.address, apiKey: new Secret(DEV_CLOUD_API_KEY), allowInsecure: true, pollMinMs: 100, pollMaxMs: 1_000, callTimeoutMs: 10_000 },
      logger,
    );
    cleanups.push(async () => cloudOps.close());

    // 4. One connection for the daemon's client, the reconciler worker and the capacity worker.
    const temporal = await compose.connectTemporal(temporalSettingsAt(devServer.address));
    cleanups.push(() => temporal.close());
    const { client } = temporal;
    const store = compose.scheduleStore(client, { requestsPerSecond: 50, listsPerSecond: 50 });

    const notifier = compose.notifier({ webhookUrl: workerSettings.slackWebhookUrl, logger });

    // 5. The view: rows from the daemon's present view (the plans at the applied commit, capacity
    // as Cloud Ops reports it, the coordinators' running windows: what the page shows), errors of
    // the newest pass. Refreshed after each pass, on each simulated capacity change and every second.
    let view: DevView = { plansDir: options.plansDir, uiUrl: devServer.uiUrl, at: new Date(), rows: [], changes: 0 };
    let daemonRef: DaemonHandle | undefined;
    let demo: DemoTracker | undefined;
    let closing = false;
    let refreshing: Promise<void> = Promise.resolve();
    const refresh = (patch: Partial<DevView>): void => {
      view = { ...view, ...patch };
      refreshing = refreshing.then(async () => {
        if (daemonRef === undefined || closing) return;
        const present = await daemonRef.present().catch((err: unknown) => {
          logger.debug({ err }, 'dev table: the present view could not be read');
          return undefined;
        });
        if (closing) return;
        if (present !== undefined) view = { ...view, rows: rowsFromPresent(present), week: weekFromPresent(present) };
        if (demo !== undefined) {
          const ns = present?.namespaces.find((n) => n.namespace === DEMO_NAMESPACE);
          const now = ns === undefined ? undefined : [ns.capacityText, activeSummary(ns)].filter((t) => t !== undefined).join(' · ');
          view = { ...view, demo: { ...demo.view(), ...(now === undefined ? {} : { now }) } };
        }
        options.onView?.(view);
      });
    };
    let capacityTimer: NodeJS.Timeout | undefined;
    notify = () => {
      capacityTimer ??= setTimeout(() => {
        capacityTimer = undefined;
        refresh({});
      }, 50);
    };
    const tick = setInterval(() => refresh({}), 1_000);
    // The demo window, read apart from the table's refresh (a query must never hold up an edit's
    // row): the simulator's applied changes and the window's status, twice a second until it ends.
    let demoReading: Promise<void> | undefined;
    const readDemo = (): void => {
      const tracker = demo;
      if (tracker === undefined || tracker.finished() || closing || demoReading !== undefined) return;
      const before = JSON.stringify(tracker.view());
      demoReading = (async () => {
        // Before its start the run has had no workflow task, so it could not answer a query yet.
        const status = Date.now() < tracker.run.startMs ? undefined : await readDemoStatus(client, tracker.run);
        if (closing) return;
        const changes = simulator.changes(DEMO_NAMESPACE).map((c) => ({ atMs: c.atMs, target: c.target }));
        tracker.observe(changes, status, Date.now());
        if (JSON.stringify(tracker.view()) !== before) refresh({});
      })()
        .catch((err: unknown) => logger.debug({ err }, 'dev table: the demo window could not be read'))
        .finally(() => {
          demoReading = undefined;
        });
    };
    const demoTick = setInterval(readDemo, 500);
    cleanups.push(async () => {
      closing = true;
      clearTimeout(capacityTimer);
      clearInterval(tick);
      clearInterval(demoTick);
      await demoReading;
      await refreshing;
    });

    const onResult = async (result: ReconcileResult): Promise<void> => {
      const at = new Date();
      if (result.status === 'invalid') {
        // Positioned issues when the plans do not validate; a missing plans folder has none, only an error.
        const error = result.errors.length === 0 ? undefined : result.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
        refresh({ at, issues: result.issues, error, changes: 0 });
        return;
      }
      if (result.changeSet !== undefined && result.status !== 'prune-blocked') await seed(result.changeSet.desired.map((d) => d.namespace));
      const error =
        result.status === 'failed' || result.status === 'prune-blocked'
          ? result.errors.map((e) => `${e.scheduleId === undefined ? '' : `${e.scheduleId}: `}${e.message}`).join('; ')
          : undefined;
      refresh({ at, issues: undefined, error, changes: result.applied.length, warnings: result.validation?.warnings ?? [] });
    };

    // 6. The daemon: reconciler workflow + capacity worker in this process, watching the folder.
    const daemon = await startDaemon({
      installation: DEV_INSTALLATION,
      source,
      // The dev server is private to the playground: deleting the last plan file deletes its schedule.
      reconcile: {
        store,
        live: (c) => compose.liveStore(c, { requestsPerSecond: 50 }),
        options: { plansPath, taskQueue: DEFAULT_TASK_QUEUE, retryBaseDelayMs: 200, allowPruneAll: true },
        onResult,
      },
      temporal,
      notifier,
      logger,
      intervalMs: options.intervalMs ?? 5_000,
      listen: options.listen ?? '127.0.0.1:0',
      cloudOps,
      // The demo's namespace is named by no plan: the page and `capsched status` show it all the same.
      ...(demoOn ? { alsoNamespaces: [DEMO_NAMESPACE] } : {}),
      ui: { refreshSeconds: options.pageRefreshSeconds ?? 2, ...(devServer.uiUrl === undefined ? {} : { temporalUiUrl: devServer.uiUrl }) },
      shutdownGraceMs: 2_000,
      capacityWorker: (ctx) =>
        compose.capacityWorker({
          connection: ctx.connection,
          client: ctx.client,
          namespace: ctx.namespace,
          cloudOps,
          notifier: ctx.notifier,
          logger: ctx.logger,
          metrics: ctx.metrics,
          identity: `${ctx.identity}/capacity`,
          settings: {
            dryRun: false,
            namespaceAllowlist: workerSettings.namespaceAllowlist,
            namespaceDenylist: workerSettings.namespaceDenylist,
            temporalUiUrl: devServer.uiUrl ?? workerSettings.temporalUiUrl,
            heartbeatMs: 1_000,
          },
          shutdownGraceMs: 2_000,
        }),
    });
    cleanups.push(() => daemon.stop());
    // Runs before the daemon stops: no present read (or demo query) against a stopping daemon.
    cleanups.push(async () => {
      closing = true;
      clearInterval(tick);
      clearInterval(demoTick);
      await demoReading;
      await refreshing;
    });
    daemonRef = daemon;
    if (demoOn) {
      const run = await startDemoWindow(client, {
        taskQueue: DEFAULT_TASK_QUEUE,
        nowMs: Date.now(),
        ...(demoTimings === undefined ? {} : { timings: demoTimings }),
      });
      logger.info({ workflowId: run.workflowId, start: new Date(run.startMs).toISOString() }, 'demo window started');
      demo = new DemoTracker(run);
    }
    refresh({ pageUrl: `http://${daemon.httpAddress}/` });

    let stopped: Promise<void> | undefined;
    return {
      devServer,
      simulator: () => simulator,
      daemon,
      source: { root, path: plansPath },
      demo: () => demo?.view(),
      view: () => view,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
