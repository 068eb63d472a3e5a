/**
 * A daemon (`startDaemon`, the code `capsched run` runs) in-process on the shared dev server with
 * short timings, a counting schedule store, a real Slack sink and captured logs. Cleans up its
 * installation (schedules, reconciler workflow) after the test.
 */
import { after } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { createSlackNotifier } from '../../../src/adapters/slack/index.js';
import { createPlanSource } from '../../../src/adapters/source/index.js';
import type { PlanSource, ScheduleStore } from '../../../src/core/ports.js';
import { scheduleIdFor } from '../../../src/core/desired/schedule-id.js';
import { startDaemon, type DaemonHandle, type DaemonOptions, type DaemonStatus } from '../../../src/daemon/index.js';
import { Secret, type Logger } from '../../../src/log/index.js';
import { countingStore, type CountingStore } from '../../support/reconcile.js';
import { tempDir } from '../../support/git-repo.js';
import { startSlackSink, type SlackSink } from '../../support/slack-sink.js';
import { removeInstallation, testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { captureLogs, type LogCapture } from './helpers.js';
import { connectTemporal } from '../../../src/compose.js';
import { temporalSettingsAt } from '../../../src/config/temporal.js';

export function planYaml(name: string, trus = 8, namespace = 'payments.a1b2c'): string {
  return `apiVersion: capsched/v1
kind: CapacityPlan
name: ${name}
namespace: ${namespace}
trus: ${trus}
cron: "0 23 * * 1-5"
timezone: America/New_York
duration: 3h
`;
}

export interface FaultDaemon {
  daemon: DaemonHandle;
  store: CountingStore;
  installation: string;
  sink: SlackSink;
  logs: LogCapture;
  scheduleId(plan: string): string;
  until(predicate: (s: DaemonStatus) => boolean, timeoutMs?: number): Promise<DaemonStatus>;
  http(path: string, init?: RequestInit): Promise<Response>;
}

export interface FaultDaemonOptions {
  /** A git remote path, or a PlanSource. */
  source: string | PlanSource;
  installation?: string;
  intervalMs?: number;
  /** Wraps the real schedule store (e.g. a lagging list). */
  wrapStore?: (store: ScheduleStore) => ScheduleStore;
  webhookSecret?: Secret;
  identity?: string;
  logs?: LogCapture;
  logger?: Logger;
  sink?: SlackSink;
}

export async function startFaultDaemon(options: FaultDaemonOptions): Promise<FaultDaemon> {
  const temporal = await testTemporal();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const installation = options.installation ?? `f-${uniqueSuffix()}`;
  const logs = options.logs ?? captureLogs('info');
  const logger = options.logger ?? logs.logger;
  const sink = options.sink ?? (await startSlackSink());
  const real = createTemporalScheduleStore({ client });
  const store = countingStore(options.wrapStore?.(real) ?? real);
  const source = typeof options.source === 'string' ? createPlanSource({ source: options.source, workDir: tempDir('capsched-work-'), logger }) : options.source;
  const reconcile: DaemonOptions['reconcile'] = { store, options: { plansPath: 'schedules', retryBaseDelayMs: 50 } };
  const daemon = await startDaemon({
    installation,
    source: source as DaemonOptions['source'],
    reconcile,
    temporal: { connect: () => connectTemporal(temporalSettingsAt(temporal.address, temporal.namespace)), namespace: temporal.namespace },
    notifier: createSlackNotifier({ webhookUrl: new Secret(sink.url), logger, initialBackoffMs: 50 }),
    logger,
    intervalMs: options.intervalMs ?? 300,
    listen: '127.0.0.1:0',
    webhookSecret: options.webhookSecret,
    shutdownGraceMs: 5_000,
    identity: options.identity,
  });
  after(async () => {
    await daemon.stop();
    await removeInstallation(client, installation);
    await connection.close();
  });
  return {
    daemon,
    store,
    installation,
    sink,
    logs,
    scheduleId: (plan) => scheduleIdFor(installation, plan),
    until: async (predicate, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await daemon.status();
        if (predicate(status)) return status;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting; last status: ${JSON.stringify({ ...status, localPasses: status.localPasses.slice(-3) })}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    http: (path, init) => fetch(`http://${daemon.httpAddress}${path}`, init),
  };
}
