/**
 * The composition root: the only place in src/ where capsched builds its adapters (plan sources,
 * schedule stores, the Cloud Ops client, the Slack notifier, the GitHub comment, the capacity
 * worker) and its Temporal connection and client (one of each per process). Commands read their
 * settings (src/config), then ask here; nothing below src/cli and src/dev constructs one.
 * Tests and benches may still build adapters directly, with real servers.
 */
import { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { TemporalSettings } from './config/temporal.js';
import { createCloudOpsClient, type CloudOpsClient, type CloudOpsSettings } from './adapters/cloud-ops/index.js';
import { createPrCommenter, type PrCommenter, type PrCommentTarget } from './adapters/github/index.js';
import {
  addCapschedSearchAttributes,
  checkNamespaceSearchAttributes,
  createTemporalLiveStore,
  createTemporalScheduleStore,
  type TemporalLiveStoreOptions,
  type TemporalScheduleStoreOptions,
} from './adapters/schedules/index.js';
import { createSlackNotifier, type SlackNotifier, type SlackNotifierOptions } from './adapters/slack/index.js';
import {
  createFolderPlanSource,
  createPlanSource,
  type FolderPlanSourceOptions,
  type PlanSourceOptions,
  type WatchablePlanSource,
} from './adapters/source/index.js';
import type { LiveStore, ScheduleStore } from './core/ports.js';
import type { CapschedSearchAttribute, SearchAttributeCheck } from './core/search-attributes.js';
import type { Logger } from './log/index.js';
import type { CapacityWorkerOptions } from './temporal/worker.js';

/** The process's Temporal connection and the client over it: one NativeConnection serves both the Client and in-process Workers. */
export interface TemporalConnection {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  address: string;
  close(): Promise<void>;
}

/** Opens the process's one Temporal connection and its client (the only `NativeConnection.connect` and `new Client` in src/). */
export async function connectTemporal(settings: TemporalSettings): Promise<TemporalConnection> {
  // Loaded on use: commands that never connect (validate, schema) never load the native worker package.
  const { NativeConnection } = await import('@temporalio/worker');
  const connection = await NativeConnection.connect(settings.connectionOptions);
  const client = new Client({ connection, namespace: settings.namespace });
  return {
    connection,
    client,
    namespace: settings.namespace,
    address: settings.address,
    close: () => connection.close(),
  };
}

/** A git or folder plan source, whichever `source` names. */
export function planSource(options: PlanSourceOptions): WatchablePlanSource {
  return createPlanSource(options);
}

/** A plain folder read as a plan source (the `capsched dev` playground). */
export function folderPlanSource(options: FolderPlanSourceOptions): WatchablePlanSource {
  return createFolderPlanSource(options);
}

/** Temporal Schedules behind the ScheduleStore port. */
export function scheduleStore(client: Client, limits: Omit<TemporalScheduleStoreOptions, 'client'> = {}): ScheduleStore {
  return createTemporalScheduleStore({ client, ...limits });
}

/** capsched's search attributes on the client's namespace, through the Operator service. */
export interface NamespaceSearchAttributes {
  namespace: string;
  check(): Promise<SearchAttributeCheck>;
  add(names: readonly CapschedSearchAttribute[]): Promise<void>;
}

export function namespaceSearchAttributes(client: Client): NamespaceSearchAttributes {
  const namespace = client.options.namespace;
  return { namespace, check: () => checkNamespaceSearchAttributes(client, namespace), add: (names) => addCapschedSearchAttributes(client, names, namespace) };
}

/**
 * A ScheduleStore that connects on its first call, so a pass that stops before Temporal (an
 * invalid commit) never opens a connection at all.
 */
export function scheduleStoreOnFirstUse(connect: () => Promise<ScheduleStore>): ScheduleStore {
  let store: Promise<ScheduleStore> | undefined;
  const connected = (): Promise<ScheduleStore> => {
    store ??= connect().catch((err: unknown) => {
      store = undefined;
      throw err;
    });
    return store;
  };
  return {
    list: async (i) => (await connected()).list(i),
    describe: async (id) => (await connected()).describe(id),
    create: async (d) => (await connected()).create(d),
    update: async (d) => (await connected()).update(d),
    delete: async (id) => (await connected()).delete(id),
    runningWindows: async (id) => (await connected()).runningWindows(id),
    cancelWorkflow: async (id, r) => (await connected()).cancelWorkflow(id, r),
  };
}

/** The coordinators and running windows behind the LiveStore port (the present). */
export function liveStore(client: Client, options: Omit<TemporalLiveStoreOptions, 'client'> = {}): LiveStore {
  return createTemporalLiveStore({ client, ...options });
}

/** A LiveStore that connects on its first call (after the schedules did: an invalid commit reads nothing). */
export function liveStoreOnFirstUse(connect: () => Promise<LiveStore>): LiveStore {
  let store: Promise<LiveStore> | undefined;
  const connected = (): Promise<LiveStore> => {
    store ??= connect().catch((err: unknown) => {
      store = undefined;
      throw err;
    });
    return store;
  };
  return {
    coordinatorNamespaces: async () => (await connected()).coordinatorNamespaces(),
    runningRuns: async () => {
      const store = await connected();
      if (store.runningRuns === undefined) throw new Error('this live store cannot list running runs');
      return store.runningRuns();
    },
    readNamespace: async (n) => (await connected()).readNamespace(n),
    existingRuns: async (ids) => (await connected()).existingRuns(ids),
    setWindowTrus: async (n, w, t, c, s) => (await connected()).setWindowTrus(n, w, t, c, s),
    setWindowEnd: async (w, r, e) => (await connected()).setWindowEnd(w, r, e),
    pushPresent: async (n, p) => {
      const store = await connected();
      if (store.pushPresent === undefined) throw new Error('this live store cannot push a present');
      return store.pushPresent(n, p);
    },
    releaseWindow: async (n, w) => (await connected()).releaseWindow(n, w),
    cancelWindow: async (w, r, why) => (await connected()).cancelWindow(w, r, why),
    startWindow: async (req) => (await connected()).startWindow(req),
  };
}

/** The Cloud Ops API client (gRPC). The caller closes it. */
export function cloudOps(settings: CloudOpsSettings, logger?: Logger): CloudOpsClient {
  return createCloudOpsClient(settings, logger === undefined ? {} : { logger });
}

/** The pull request's one marked comment on GitHub (REST API; GitHub Enterprise Server through its apiUrl). */
export function prCommenter(target: PrCommentTarget): PrCommenter {
  return createPrCommenter(target);
}

/** Slack alerts (log only without a webhook URL; dryRun logs what it would post). */
export function notifier(options: SlackNotifierOptions): SlackNotifier {
  return createSlackNotifier(options);
}

/** The capacity-change worker (workflows + activities); loaded only by the commands that run it. */
export async function capacityWorker(options: CapacityWorkerOptions): Promise<Worker> {
  const { createCapacityWorker } = await import('./temporal/worker.js');
  return createCapacityWorker(options);
}
