import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { createSlackNotifier } from '../../../src/adapters/slack/index.js';
import { createPlanSource } from '../../../src/adapters/source/index.js';
import type { PlanSource } from '../../../src/core/ports.js';
import { scheduleIdFor } from '../../../src/core/desired/schedule-id.js';
import { startDaemon, type DaemonHandle, type DaemonOptions } from '../../../src/daemon/index.js';
import type { CloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { startTestCapacityWorker } from '../helpers/capacity-worker.js';
import { silentLogger, Secret, type Logger } from '../../../src/log/index.js';
import { createLogger } from '../../../src/log/index.js';
import { countingStore, type CountingStore } from '../../support/reconcile.js';
import { tempDir } from '../../support/git-repo.js';
import { removeInstallation, testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { connectTemporal } from '../../../src/compose.js';
import { temporalSettingsAt } from '../../../src/config/temporal.js';

// Quieter SDK logs in test output (worker state changes are INFO); once per test process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by another module of this process
}

export interface SlackSink {
  url: string;
  messages: { text: string; raw: string }[];
}

/** A real HTTP server standing in for a Slack incoming webhook; records every post. */
export async function slackSink(ctx: TestContext): Promise<SlackSink> {
  const sink: SlackSink = { url: '', messages: [] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      sink.messages.push({ raw, text: raw });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ctx.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/test-webhook`;
  return sink;
}

export function planYaml(name: string, trus = 8, extra = ''): string {
  return `apiVersion: capsched/v1
kind: CapacityPlan
name: ${name}
namespace: payments.a1b2c
trus: ${trus}
cron: "0 23 * * 1-5"
timezone: America/New_York
duration: 3h
${extra}`;
}

export interface TestDaemon {
  daemon: DaemonHandle;
  /** This test's own client (the shared one closes when the first test of a file ends). */
  client: Client;
  /** desiredTrus of the plan's schedule as the server describes it; undefined when it does not exist. */
  trus(plan: string): Promise<number | undefined>;
  store: CountingStore;
  installation: string;
  sink: SlackSink;
  scheduleId(plan: string): string;
  /** Polls status() until the predicate holds. */
  until(predicate: (s: Awaited<ReturnType<DaemonHandle['status']>>) => boolean, timeoutMs?: number): Promise<Awaited<ReturnType<DaemonHandle['status']>>>;
  http(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Waits for a check that found nothing to do after the last pass, then for `checks` more, and
   * returns the status: the checks on an unchanged commit must start no pass (they are free).
   */
  quietChecks(checks?: number, timeoutMs?: number): Promise<Awaited<ReturnType<DaemonHandle['status']>>>;
}

export interface TestDaemonOptions extends Partial<Omit<DaemonOptions, 'source'>> {
  /** A git remote path or folder. */
  source: string | PlanSource;
  installation?: string;
  sink?: SlackSink;
  logger?: Logger;
  dryRun?: boolean;
  selfHeal?: boolean;
}

/**
 * Starts a daemon in-process on the shared dev server with short timings; stopped when the test
 * ends (hooks go on the test context: a bare after() inside a test can attach to another test).
 */
export async function startTestDaemon(ctx: TestContext, options: TestDaemonOptions): Promise<TestDaemon> {
  const temporal = await testTemporal();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const installation = options.installation ?? `d-${uniqueSuffix()}`;
  const logger = options.logger ?? (process.env.CAPSCHED_TEST_LOG === '1' ? createLogger({ level: 'debug' }) : silentLogger());
  const sink = options.sink ?? (await slackSink(ctx));
  const store = countingStore(createTemporalScheduleStore({ client }));
  const source = typeof options.source === 'string' ? createPlanSource({ source: options.source, workDir: tempDir('capsched-work-'), logger }) : options.source;
  const reconcile: DaemonOptions['reconcile'] = options.reconcile ?? {
    store,
    options: { plansPath: 'schedules', retryBaseDelayMs: 50, dryRun: options.dryRun, selfHeal: options.selfHeal },
  };
  const daemon = await startDaemon({
    installation,
    source: source as DaemonOptions['source'],
    reconcile,
    temporal: { connect: () => connectTemporal(temporalSettingsAt(temporal.address, temporal.namespace)), namespace: temporal.namespace },
    notifier: options.notifier ?? createSlackNotifier({ webhookUrl: new Secret(sink.url), logger, initialBackoffMs: 50 }),
    logger,
    intervalMs: options.intervalMs ?? 400,
    listen: options.listen ?? '127.0.0.1:0',
    dryRun: options.dryRun,
    webhookSecret: options.webhookSecret,
    ...(options.webhookInsecure === undefined ? {} : { webhookInsecure: options.webhookInsecure }),
    ...(options.webhookMinIntervalMs === undefined ? {} : { webhookMinIntervalMs: options.webhookMinIntervalMs }),
    shutdownGraceMs: 5_000,
    identity: options.identity,
    ...(options.passHeartbeatTimeoutMs === undefined ? {} : { passHeartbeatTimeoutMs: options.passHeartbeatTimeoutMs }),
    ...(options.cloudOps === undefined ? {} : { cloudOps: options.cloudOps }),
    ...(options.ui === undefined ? {} : { ui: options.ui }),
    ...(options.capacityWorker === undefined ? {} : { capacityWorker: options.capacityWorker }),
  });
  ctx.after(async () => {
    await daemon.stop();
    await connection.close();
  });
  const until: TestDaemon['until'] = async (predicate, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await daemon.status();
      if (predicate(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out waiting; last status: ${JSON.stringify({ ...status, localPasses: status.localPasses.slice(-3) })}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const quietChecks: TestDaemon['quietChecks'] = async (checks = 3, timeoutMs = 20_000) => {
    const first = await until(
      (s) =>
        s.lastCheck?.passRequested === false &&
        s.state?.lastPassAt !== undefined &&
        Date.parse(s.lastCheck.at) > Date.parse(s.state.lastPassAt) + (s.state.lastPassDurationMs ?? 0),
      timeoutMs,
    );
    // One more quiet check first: a pass asked for just before `first` (its signal sent, its activity not started yet under
    // load) lands before it, not inside the checks counted below.
    const settled = await until((s) => s.checks >= first.checks + 1 && s.lastCheck?.passRequested === false, timeoutMs);
    const after = await until((s) => s.checks >= settled.checks + checks, timeoutMs);
    if (after.state?.passes !== settled.state?.passes)
      throw new Error(`checks on an unchanged commit started passes: ${settled.state?.passes} → ${after.state?.passes} (${JSON.stringify(after.lastCheck)})`);
    return after;
  };
  return {
    quietChecks,
    daemon,
    client,
    trus: (plan) => scheduleTrus(client, scheduleIdFor(installation, plan)),
    store,
    installation,
    sink,
    scheduleId: (plan) => scheduleIdFor(installation, plan),
    until,
    http: (path, init) => fetch(`http://${daemon.httpAddress}${path}`, init),
  };
}

/** Deletes the installation's schedules and terminates its reconciler workflow (shared dev server hygiene). */
export function cleanupInstallation(ctx: TestContext, installation: string): void {
  ctx.after(async () => {
    // Own connection: the shared one may already be closed by testTemporal's after hook.
    const address = process.env.TEMPORAL_TEST_ADDRESS ?? (await testTemporal()).address;
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: 'default' });
    await removeInstallation(client, installation);
    await connection.close();
  });
}

export async function scheduleTrus(client: Client, scheduleId: string): Promise<number | undefined> {
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const args = (d.action as { args?: { desiredTrus?: number }[] }).args;
    return args?.[0]?.desiredTrus;
  } catch {
    return undefined;
  }
}

/**
 * The daemon's in-process capacity worker on `taskQueue`, talking to `cloudOps` (the simulator
 * through the production client): real mode, no allow/deny lists, 1 s heartbeats.
 */
export function testCapacityWorker(
  taskQueue: string,
  cloudOps: CloudOpsClient,
  temporalUiUrl = 'http://localhost:8233',
): NonNullable<TestDaemonOptions['capacityWorker']> {
  return (c) =>
    startTestCapacityWorker({
      connection: c.connection,
      client: c.client,
      namespace: c.namespace,
      taskQueue,
      cloudOps,
      notifier: c.notifier,
      logger: c.logger,
      identity: `${c.identity}/capacity`,
      shutdownGraceMs: 2_000,
      settings: { temporalUiUrl, heartbeatMs: 1_000 },
    });
}
