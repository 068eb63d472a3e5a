/**
 * A raise that really raises (issue 21, point 3), against the real Cloud Ops simulator over its
 * gRPC protocol: `capsched diff`, `capsched report` and `capsched doctor` compare each plan's
 * TRUs × 500 APS with the namespace's on-demand APS limit and 7-day p99 (one
 * GetNamespaceCapacityInfo per namespace per command), and a window's raise that lowers
 * throughput is logged and alerted (to a real Slack-like webhook).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { createSlackNotifier } from '../../../src/adapters/slack/index.js';
import { diffCommand } from '../../../src/cli/diff.js';
import { doctorCommand } from '../../../src/cli/doctor.js';
import type { CliIO, Command } from '../../../src/cli/io.js';
import { reportCommand } from '../../../src/cli/report.js';
import { readCloudOpsSettings } from '../../../src/config/cloud-ops.js';
import type { DoctorReport } from '../../../src/core/doctor/checks.js';
import type { PrReport } from '../../../src/core/report/pr-model.js';
import { Secret, silentLogger } from '../../../src/log/index.js';
import { startCloudOpsSimulator, type CloudOpsSimulator } from '../../../src/simulator/index.js';
import { createActivities, type ApplyCapacityRequest } from '../../../src/temporal/activities/index.js';
import { createTestRepo, tempDir, type TestRepo } from '../../support/git-repo.js';
import { newInstallation, planYaml } from '../../support/reconcile.js';
import { startSlackSink } from '../../support/slack-sink.js';
import { testTemporal } from '../helpers/temporal.js';

const API_KEY = 'throughput-test-key-3c9d1e7a';
/** On-demand gives 1,600 APS; the last 7 days' p99 is 1,200 APS. */
const LOW = 'payments.a1b2c';
/** The simulator's defaults: on-demand 500 APS, p99 455 APS. */
const HIGH = 'orders.x9y8z';

let sim: CloudOpsSimulator;
const repo: TestRepo = createTestRepo();
const cwd = tempDir('capsched-throughput-');
let baseSha: string;

before(async () => {
  sim = await startCloudOpsSimulator({
    namespaces: [LOW, HIGH],
    apiKey: API_KEY,
    operationDelayMs: 50,
    onDemandApsLimit: { [LOW]: 1600 },
    apsStats: { [LOW]: { mean: 400, p90: 800, p99: 1200 } },
  });
  repo.write('schedules/README.md', 'plans\n');
  baseSha = repo.commit('no plans yet');
  repo.write('schedules/low.yaml', planYaml({ name: 'low', namespace: LOW, trus: 2, cron: '0 23 * * 1-5', timezone: 'UTC', duration: '2h' }));
  repo.write('schedules/high.yaml', planYaml({ name: 'high', namespace: HIGH, trus: 8, cron: '0 1 * * *', timezone: 'UTC', duration: '1h' }));
  repo.commit('two plans');
});
after(async () => {
  await sim.stop();
});

function cloudEnv(): NodeJS.ProcessEnv {
  return {
    TEMPORAL_CLOUD_API_KEY: API_KEY,
    TEMPORAL_CLOUD_ENDPOINT: sim.address,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '5s',
  };
}

async function run(command: Command, argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: { CAPSCHED_LOG_LEVEL: 'silent', ...env }, cwd };
  const code = await command(argv, io);
  return { code, out, err };
}

const capacityInfoReads = (): number => sim.requests().GetNamespaceCapacityInfo ?? 0;

const LOWERS = '! plan low: 2 TRUs = 1,000 APS is below what on-demand gives now (1,600 APS): this plan lowers throughput';
const HINT = "hint: last 7 days p99 1,200 APS: 4 TRUs would do (on-demand's 1,600 APS already covers it: the smallest offered value above that)";

test('capsched diff with a Cloud Ops key: the lowering plan is marked with the right-size hint, one capacity-info read per namespace', async () => {
  const { address } = await testTemporal();
  const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', CAPSCHED_INSTALLATION: newInstallation('tp'), ...cloudEnv() };
  const before_ = capacityInfoReads();
  const text = await run(diffCommand, ['--source', repo.remote], env);
  assert.equal(text.code, 2, text.err);
  assert.equal(capacityInfoReads() - before_, 2, 'one GetNamespaceCapacityInfo per namespace');
  assert.ok(text.out.includes('Throughput against on-demand (GetNamespaceCapacityInfo):'), text.out);
  assert.ok(text.out.includes(`${LOW} (on-demand now 1,600 APS; 7-day APS mean 400 APS, p90 800 APS, p99 1,200 APS):`), text.out);
  assert.ok(text.out.includes(LOWERS), text.out);
  assert.ok(text.out.includes(HINT), text.out);
  assert.ok(text.out.includes('· plan high: 8 TRUs = 4,000 APS raises throughput above on-demand (500 APS now)'), text.out);
  assert.ok(!text.out.includes(API_KEY));

  const json = await run(diffCommand, ['--source', repo.remote, '--format', 'json'], env);
  const parsed = JSON.parse(json.out) as {
    throughput: { checked: boolean; namespaces: { namespace: string; warn: boolean; onDemandApsLimit: number; hint: { trus: number } }[] };
  };
  assert.equal(parsed.throughput.checked, true);
  const low = parsed.throughput.namespaces.find((n) => n.namespace === LOW);
  assert.deepEqual([low?.warn, low?.onDemandApsLimit, low?.hint.trus], [true, 1600, 4]);
  assert.equal(parsed.throughput.namespaces.find((n) => n.namespace === HIGH)?.warn, false);

  // Without a key: one line says it was not checked, nothing is read.
  const reads = capacityInfoReads();
  const noKey = await run(diffCommand, ['--source', repo.remote], {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    CAPSCHED_INSTALLATION: env.CAPSCHED_INSTALLATION,
  });
  assert.equal(noKey.code, 2, noKey.err);
  assert.match(
    noKey.out,
    /^Throughput against on-demand \(GetNamespaceCapacityInfo\): not checked \(no Cloud Ops credentials: TEMPORAL_CLOUD_API_KEY is not set\)$/m,
  );
  assert.equal(capacityInfoReads(), reads);
});

test("capsched report with a Cloud Ops key compares head's plans; the JSON carries the same figures", async () => {
  const before_ = capacityInfoReads();
  const md = await run(reportCommand, ['--source', repo.dir, '--base', baseSha, '--head', 'HEAD', '--now', '2026-12-01T12:00:00Z'], cloudEnv());
  assert.equal(md.code, 0, md.err);
  assert.equal(capacityInfoReads() - before_, 2);
  assert.match(md.out, /### Throughput against on-demand \(GetNamespaceCapacityInfo\)/);
  assert.match(md.out, /> \[!WARNING\]/);
  assert.ok(md.out.includes(LOWERS), md.out);
  // Next to the billing figures: after "Capacity per week", before the warnings and plan changes.
  assert.ok(md.out.indexOf('### Capacity per week') < md.out.indexOf('### Throughput against on-demand'));
  const json = await run(
    reportCommand,
    ['--source', repo.dir, '--base', baseSha, '--head', 'HEAD', '--now', '2026-12-01T12:00:00Z', '--format', 'json'],
    cloudEnv(),
  );
  const report = JSON.parse(json.out) as PrReport;
  assert.ok(report.throughput?.checked);
  if (report.throughput?.checked) assert.equal(report.throughput.namespaces.find((n) => n.namespace === LOW)?.plans[0]?.comparisons[0]?.verdict, 'lowers');
});

test("capsched doctor: a throughput line per namespace, sharing the namespace line's one capacity-info read", async () => {
  const { address } = await testTemporal();
  const before_ = capacityInfoReads();
  const res = await run(doctorCommand, ['--source', repo.remote, '--json', '--installation', newInstallation('tpd')], {
    TEMPORAL_ADDRESS: address,
    ...cloudEnv(),
  });
  const report = JSON.parse(res.out) as DoctorReport;
  assert.equal(capacityInfoReads() - before_, 2, 'one GetNamespaceCapacityInfo per namespace for both lines');
  const low = report.checks.find((c) => c.id === `throughput:${LOW}`);
  assert.equal(low?.status, 'warn');
  assert.ok(low?.detail.includes('plan low: 2 TRUs = 1,000 APS is below what on-demand gives now (1,600 APS): this plan lowers throughput'), low?.detail);
  assert.ok(low?.detail.includes('last 7 days p99 1,200 APS: 4 TRUs would do'), low?.detail);
  assert.match(low?.fix ?? '', /at least 4 TRUs/);
  const high = report.checks.find((c) => c.id === `throughput:${HIGH}`);
  assert.equal(high?.status, 'ok');
  assert.match(high?.detail ?? '', /plans ask 8 TRUs = 4,000 APS, above on-demand \(on-demand now 500 APS\)/);
  // The text form prints the same line with its mark.
  const text = await run(doctorCommand, ['--source', repo.remote, '--installation', newInstallation('tpd')], { TEMPORAL_ADDRESS: address, ...cloudEnv() });
  assert.match(text.out, new RegExp(`^! ${LOW.replace('.', '\\.')} throughput: plan low: 2 TRUs = 1,000 APS is below`, 'm'));
});

test("a window's raise below on-demand: one warning log line and one ⚠️ alert; a raise above on-demand alerts nothing", async () => {
  const { client } = await testTemporal();
  const sink = await startSlackSink();
  const logger = silentLogger();
  const cloudOps = createCloudOpsClient(readCloudOpsSettings({ ...cloudEnv(), CAPSCHED_CLOUD_OPS_POLL_MIN: '10ms', CAPSCHED_CLOUD_OPS_POLL_MAX: '50ms' }));
  try {
    const activities = createActivities({
      cloudOps,
      notifier: createSlackNotifier({ webhookUrl: new Secret(sink.url), logger }),
      logger,
      client,
      settings: { dryRun: false, namespaceAllowlist: [], namespaceDenylist: [], temporalUiUrl: 'http://localhost:8233' },
    });
    const reads = capacityInfoReads();
    const apply = (req: ApplyCapacityRequest) => new MockActivityEnvironment().run((r: ApplyCapacityRequest) => activities.applyCapacity(r), req);
    await apply({ namespace: LOW, target: { mode: 'provisioned', trus: 2 }, operationId: 'tp-raise-low' });
    assert.equal(sim.capacityOf(LOW).trus, 2, 'the raise itself goes through');
    assert.equal(capacityInfoReads() - reads, 1, 'the info read to check the value is offered is the one compared: no second read');
    const [message] = await sink.waitForMessages(1);
    assert.match(message?.text ?? '', /ERROR: Provisioned capacity below on-demand/);
    assert.ok(message?.raw.includes('2 TRUs = 1,000 APS is below what on-demand gives now (1,600 APS): this plan lowers throughput'), message?.raw);
    assert.ok(message?.raw.includes('4 TRUs would do'), message?.raw);

    await apply({
      namespace: HIGH,
      target: { mode: 'provisioned', trus: 8 },
      operationId: 'tp-raise-high',
    });
    assert.equal(sim.capacityOf(HIGH).trus, 8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(sink.messages.length, 1, 'no alert for a raise above on-demand');
  } finally {
    cloudOps.close();
    await sink.close();
  }
});

test('a namespace the key cannot read: its own line says why; the report still succeeds', async () => {
  const other = createTestRepo();
  other.write('schedules/README.md', 'plans\n');
  const base = other.commit('empty');
  other.write('schedules/ghost.yaml', planYaml({ name: 'ghost', namespace: 'missing.zzzzz', trus: 4, cron: '0 2 * * *', timezone: 'UTC', duration: '1h' }));
  other.commit('a plan on a namespace the account does not have');
  const res = await run(reportCommand, ['--source', other.dir, '--base', base, '--head', 'HEAD', '--now', '2026-12-01T12:00:00Z'], cloudEnv());
  assert.equal(res.code, 0, res.err);
  assert.match(res.out, /^missing\.zzzzz: not compared \(.*namespace not found: missing\.zzzzz.*\[CLOUD_OPS_NOT_FOUND\]\)$/m);
  assert.ok(!res.out.includes(API_KEY));
});
