/**
 * Case 11: the secrets canary. A full daemon (git over HTTPS with a token, reconciler, in-process
 * capacity worker, Cloud Ops simulator with an API key, Slack webhook, signed GitHub webhook) runs
 * real windows with distinctive fake secrets, through failure paths too: a bad webhook signature,
 * an invalid commit, a revoked git token, a failed Cloud Ops operation, a Slack 500. Then every
 * output is searched: captured pino logs, Slack payloads, HTTP responses (/healthz, /readyz,
 * /metrics, webhook answers), daemon status, schedule descriptions, workflow histories (payloads
 * decoded), window results and what git left in its work directory. Expected occurrences: zero.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { createTemporalScheduleStore } from '../../../src/adapters/schedules/index.js';
import { createSlackNotifier } from '../../../src/adapters/slack/index.js';
import { createPlanSource, readGitCredentials } from '../../../src/adapters/source/index.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { scheduleIdFor } from '../../../src/core/desired/schedule-id.js';
import { CAPACITY_CHANGE_WORKFLOW } from '../../../src/core/workflow-contract.js';
import { startDaemon } from '../../../src/daemon/index.js';
import { reconcilerWorkflowId } from '../../../src/core/reconciler-contract.js';
import { Secret } from '../../../src/log/index.js';
import { startCloudOpsSimulator } from '../../../src/simulator/index.js';
import { installTemporalRuntime } from '../../../src/temporal/sdk-logger.js';
import { startTestCapacityWorker } from '../helpers/capacity-worker.js';
import { createTestRepo, git, tempDir } from '../../support/git-repo.js';
import { startSlackSink } from '../../support/slack-sink.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { serveBareRepo } from '../../support/git-http-server.js';
import { capacityBundle, captureLogs, faultNamespace, history, until } from './helpers.js';
import { planYaml } from './daemon.js';
import { connectTemporal } from '../../../src/compose.js';
import { temporalSettingsAt } from '../../../src/config/temporal.js';

const temporal = await testTemporal();
// Every log line of this process goes to one capture, the Temporal SDK's own lines included.
const logs = captureLogs('debug');
installTemporalRuntime(logs.logger);

const CANARIES = {
  cloudKey: 'CANARY-cloud-api-key-5e0b8d1f93',
  slackPath: 'CANARY-slack-hook-b71c2a',
  gitToken: 'CANARY-git-token-c4d9e02a6f',
  webhookSecret: 'CANARY-webhook-secret-9a3f1e',
};

/** JSON with byte arrays (Temporal payload data) decoded as UTF-8, so payload contents are searched too. */
function text(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}

test('secrets canary: a full daemon with windows and failure paths leaks no secret anywhere', async () => {
  const installation = `canary-${uniqueSuffix()}`;
  const nsPlan = faultNamespace('canaryplan');
  const nsDirect = faultNamespace('canarydirect');
  const nsFailed = faultNamespace('canaryfail');
  const taskQueue = `canary-${uniqueSuffix()}`;

  // Git over HTTPS with a token.
  const repo = createTestRepo();
  repo.write('schedules/canary.yaml', planYaml('canary', 8, nsPlan));
  const first = repo.commit('canary plan');
  git(repo.remote, 'update-server-info');
  const gitServer = await serveBareRepo(repo.remote, { username: 'x-access-token', password: CANARIES.gitToken });
  const workDir = tempDir('capsched-canary-');
  const source = createPlanSource({
    source: gitServer.url,
    workDir,
    credentials: readGitCredentials({ CAPSCHED_GIT_TOKEN: CANARIES.gitToken }),
    logger: logs.logger,
  });

  // Cloud Ops simulator with the key, Slack sink whose URL holds a canary.
  const sim = await startCloudOpsSimulator({ namespaces: [nsPlan, nsDirect, nsFailed], apiKey: CANARIES.cloudKey, operationDelayMs: 200, logger: logs.logger });
  const cloudOps = createCloudOpsClient(
    readCloudOpsSettings({
      TEMPORAL_CLOUD_API_KEY: CANARIES.cloudKey,
      TEMPORAL_CLOUD_ENDPOINT: sim.address,
      TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
      CAPSCHED_CLOUD_OPS_POLL_MIN: '20ms',
      CAPSCHED_CLOUD_OPS_POLL_MAX: '200ms',
    }),
    { logger: logs.logger },
  );
  const sink = await startSlackSink({ path: `/services/T0/B0/${CANARIES.slackPath}` });
  const notifier = createSlackNotifier({
    webhookUrl: new Secret(sink.url),
    logger: logs.logger,
    initialBackoffMs: 50,
    attemptTimeoutMs: 1_000,
    totalTimeoutMs: 5_000,
  });

  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  after(async () => {
    for (const id of [scheduledRun, coordinatorWorkflowId(nsPlan), reconcilerWorkflowId(installation)])
      if (id !== undefined)
        await client.workflow
          .getHandle(id)
          .terminate('test finished')
          .catch(() => undefined);
    await client.schedule
      .getHandle(scheduleIdFor(installation, 'canary'))
      .delete()
      .catch(() => undefined);
    await connection.close();
    cloudOps.close();
    await sim.stop();
  });
  const store = createTemporalScheduleStore({ client });
  const bundle = await capacityBundle();
  const daemon = await startDaemon({
    installation,
    source,
    reconcile: { store, options: { plansPath: 'schedules', taskQueue, retryBaseDelayMs: 50 } },
    temporal: { connect: () => connectTemporal(temporalSettingsAt(temporal.address, temporal.namespace)), namespace: temporal.namespace },
    notifier,
    logger: logs.logger,
    intervalMs: 300,
    listen: '127.0.0.1:0',
    webhookSecret: new Secret(CANARIES.webhookSecret),
    shutdownGraceMs: 2_000,
    capacityWorker: (ctx) =>
      startTestCapacityWorker({
        connection: ctx.connection,
        client: ctx.client,
        namespace: ctx.namespace,
        taskQueue,
        cloudOps,
        notifier: ctx.notifier,
        logger: ctx.logger,
        workflowBundle: bundle,
      }),
  });
  const http = async (path: string, init?: RequestInit): Promise<string> => {
    const res = await fetch(`http://${daemon.httpAddress}${path}`, init);
    return `${res.status} ${text([...res.headers])} ${await res.text()}`;
  };
  const outputs: string[] = [];
  let scheduledRun: string | undefined;
  const status = async (): Promise<Awaited<ReturnType<typeof daemon.status>>> => daemon.status();
  const untilStatus = (p: (s: Awaited<ReturnType<typeof daemon.status>>) => boolean, what: string) =>
    until(async () => p(await status()) && (await status()), 30_000, what);

  try {
    await untilStatus((s) => s.state?.lastAppliedRevision === first && s.ready, 'the first apply');

    // 1. A schedule-started window: trigger the plan's schedule; its run raises capacity (its verify
    //    waits the default 2 minutes, so the run is terminated after the histories are read).
    const scheduleId = scheduleIdFor(installation, 'canary');
    await client.schedule.getHandle(scheduleId).trigger();
    scheduledRun = await until(
      async () => (await client.schedule.getHandle(scheduleId).describe()).info.recentActions.at(-1)?.action.workflow.workflowId,
      15_000,
      'the triggered run',
    );
    await until(() => history(sim, nsPlan).includes('8'), 15_000, 'the raise of the scheduled run');

    // 2. A direct window with a natural end, with one Slack 500 on its alert.
    sink.respondWith({ status: 500 });
    const direct = await client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
      taskQueue,
      workflowId: `canary-direct-${uniqueSuffix()}`,
      args: [{ namespace: nsDirect, desiredTrus: 6, endTime: new Date(Date.now() + 3_000).toISOString(), verifyDelay: '300ms', plan: 'canary-direct' }],
    });
    outputs.push(text(await direct.result()));
    assert.deepEqual(history(sim, nsDirect), ['6', 'onDemand']);

    // 3. A failed Cloud Ops operation: critical alert, error text in the history.
    sim.injectFault({ kind: 'operationFailed', namespace: nsFailed });
    const failed = await client.workflow.start(CAPACITY_CHANGE_WORKFLOW, {
      taskQueue,
      workflowId: `canary-failed-${uniqueSuffix()}`,
      args: [{ namespace: nsFailed, desiredTrus: 4, endTime: new Date(Date.now() + 3_000).toISOString(), verifyDelay: '300ms' }],
    });
    const failedResult = await failed.result();
    assert.equal(failedResult.initialChangeSuccess, false);
    outputs.push(text(failedResult));

    // 4. Webhook: a forged signature, a valid one, a replay, an oversized body.
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const sign = (b: string, secret: string) => `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;
    outputs.push(await http('/webhook', { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign(body, 'wrong') } }));
    outputs.push(
      await http('/webhook', {
        method: 'POST',
        body,
        headers: { 'x-github-event': 'push', 'x-github-delivery': 'canary-1', 'x-hub-signature-256': sign(body, CANARIES.webhookSecret) },
      }),
    );
    outputs.push(
      await http('/webhook', {
        method: 'POST',
        body,
        headers: { 'x-github-event': 'push', 'x-github-delivery': 'canary-1', 'x-hub-signature-256': sign(body, CANARIES.webhookSecret) },
      }),
    );
    outputs.push(await http('/webhook', { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { 'x-github-event': 'push' } }));

    // 5. An invalid commit, then the git token is revoked, then both are fixed.
    repo.write('schedules/broken.yaml', 'apiVersion: capsched/v1\nkind: CapacityPlan\nname: broken\ntrus: 5\n');
    const broken = repo.commit('broken plan');
    git(repo.remote, 'update-server-info');
    await untilStatus((s) => s.state?.lastAttemptedRevision === broken && s.state.lastPassResult === 'invalid', 'the invalid commit');
    gitServer.accept.password = 'rotated';
    await untilStatus((s) => s.state?.lastPassResult === 'source-failed', 'the auth failure');
    outputs.push(text(await status()));
    gitServer.accept.password = CANARIES.gitToken;
    repo.remove('schedules/broken.yaml');
    const fixed = repo.commit('fix');
    git(repo.remote, 'update-server-info');
    await untilStatus((s) => s.state?.lastAppliedRevision === fixed, 'the fixed commit');

    outputs.push(await http('/healthz'), await http('/readyz'), await http('/metrics'), text(await status()));
    await sink.waitForMessages(5, 10_000);
  } finally {
    await daemon.stop();
  }

  // Everything Temporal keeps: schedule descriptions and every workflow history, payloads decoded.
  outputs.push(text(await client.schedule.getHandle(scheduleIdFor(installation, 'canary')).describe()));
  const workflowIds = [
    ...(scheduledRun === undefined ? [] : [scheduledRun]),
    reconcilerWorkflowId(installation),
    coordinatorWorkflowId(nsPlan),
    coordinatorWorkflowId(nsDirect),
    coordinatorWorkflowId(nsFailed),
  ];
  for await (const w of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) workflowIds.push(w.workflowId);
  const histories = new Set<string>();
  for (const id of workflowIds) {
    for await (const w of client.workflow.list({ query: `WorkflowId = "${id}"` })) {
      const key = `${w.workflowId}/${w.runId}`;
      if (histories.has(key)) continue;
      histories.add(key);
      outputs.push(text(await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()));
    }
  }
  assert.ok(histories.size >= 6, `histories searched: ${[...histories].join(', ')}`);

  // What git left on disk (cache config, refs, FETCH_HEAD, the askpass script), objects excepted.
  let onDisk = '';
  for (const entry of readdirSync(workDir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && !path.includes('/objects/')) onDisk += readFileSync(path, 'latin1');
  }
  const haystacks: Record<string, string> = {
    gitWorkDir: onDisk,
    logs: logs.text(),
    slackPayloads: sink.requests.map((r) => r.raw).join('\n'),
    outputs: outputs.join('\n'),
  };
  assert.ok(logs.lines.length > 50, `logs were captured (${logs.lines.length} lines)`);
  assert.ok(
    logs.find(/.*/).some((l) => l.component === 'temporal-sdk'),
    'SDK log lines included',
  );
  assert.ok(sink.messages.length >= 5, 'alerts were delivered');
  const found: string[] = [];
  for (const [where, hay] of Object.entries(haystacks)) {
    for (const [name, secret] of Object.entries(CANARIES)) if (hay.includes(secret)) found.push(`${name} in ${where}`);
    const generic = hay.match(/CANARY-[A-Za-z0-9-]+/g);
    if (generic !== null) found.push(`${[...new Set(generic)].join(', ')} in ${where}`);
  }
  assert.deepEqual(found, [], 'zero occurrences of any secret');
  // The secrets really were used: the sink was called on the canary path and git on its token.
  assert.ok(sink.requests.every((r) => r.path.includes(CANARIES.slackPath)));
});
