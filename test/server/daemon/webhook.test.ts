import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { test } from 'node:test';
import { DeliveryCache, verifyGithubSignature } from '../../../src/daemon/webhook.js';
import { Secret } from '../../../src/log/index.js';
import { createTestRepo } from '../../support/git-repo.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { cleanupInstallation, planYaml, startTestDaemon } from './helpers.js';

const SECRET = 'CANARY-webhook-secret-7c1e';
const sign = (body: string | Buffer, secret = SECRET): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

test("GitHub's documented test vector verifies; tampering, wrong length and a missing header do not", () => {
  const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  const body = Buffer.from('Hello, World!');
  assert.equal(verifyGithubSignature("It's a Secret to Everybody", body, header), true);
  assert.equal(verifyGithubSignature("It's a Secret to Everybody", Buffer.from('Hello, World?'), header), false, 'body changed by one byte');
  assert.equal(verifyGithubSignature("It's a Secret to Everybody", body, header.slice(0, -2)), false, 'wrong length');
  assert.equal(verifyGithubSignature("It's a Secret to Everybody", body, header.replace('sha256=', 'sha1=')), false);
  assert.equal(verifyGithubSignature("It's a Secret to Everybody", body, undefined), false);
  assert.equal(verifyGithubSignature('another secret', body, header), false);

  const cache = new DeliveryCache(1_000, 3);
  assert.equal(cache.seen('a', 0), false);
  assert.equal(cache.seen('a', 10), true);
  assert.equal(cache.seen('a', 2_000), false, 'expired after the TTL');
  for (const id of ['b', 'c', 'd', 'e']) cache.seen(id, 2_100);
  assert.ok(cache.size <= 3, 'bounded');
});

interface Reply {
  status: number;
  body: string;
}

function post(address: string, body: Buffer | string, headers: Record<string, string>): Promise<Reply> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/webhook', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('POST /webhook: signed push triggers one pass at once; bad signature 401, replay 202 deduped, other events ignored, >1 MiB 413, a flood coalesces', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const first = repo.commit('one plan');
  // A one-hour interval: only the startup pass and webhooks can cause passes here.
  const t = await startTestDaemon(ctx, { source: repo.remote, intervalMs: 3_600_000, webhookSecret: new Secret(SECRET) });
  cleanupInstallation(ctx, t.installation);
  const ready = await t.until((s) => s.state?.lastAppliedRevision === first && s.ready);
  const passesAtStart = ready.state?.passes ?? 0;

  repo.write('schedules/nightly.yaml', planYaml('nightly', 12));
  const merged = repo.commit('nightly: 12');
  // The payload is ignored: even a forged "after" sha or plan content in it changes nothing.
  const payload = JSON.stringify({ ref: 'refs/heads/evil', after: '0'.repeat(40), plans: 'trus: 2' });

  const forged = await post(t.daemon.httpAddress, payload, {
    'x-github-event': 'push',
    'x-github-delivery': 'd-forged',
    'x-hub-signature-256': sign(payload, 'wrong-secret'),
  });
  assert.deepEqual(forged, { status: 401, body: 'unauthorized\n' });
  const unsigned = await post(t.daemon.httpAddress, payload, { 'x-github-event': 'push', 'x-github-delivery': 'd-unsigned' });
  assert.equal(unsigned.status, 401);
  const tampered = await post(t.daemon.httpAddress, `${payload} `, {
    'x-github-event': 'push',
    'x-github-delivery': 'd-tampered',
    'x-hub-signature-256': sign(payload),
  });
  assert.equal(tampered.status, 401);
  const huge = Buffer.alloc(2 * 1024 * 1024, 'a');
  assert.equal((await post(t.daemon.httpAddress, huge, { 'x-github-event': 'push', 'x-hub-signature-256': sign(huge) })).status, 413);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal((await t.daemon.status()).state?.passes, passesAtStart, 'rejected requests trigger nothing');

  const delivery = `d-${uniqueSuffix()}`;
  const accepted = await post(t.daemon.httpAddress, payload, { 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': sign(payload) });
  assert.deepEqual(accepted, { status: 202, body: 'accepted\n' });
  await t.until((s) => s.state?.lastAppliedRevision === merged, 10_000);
  assert.equal(await t.trus('nightly'), 12);

  const replay = await post(t.daemon.httpAddress, payload, { 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': sign(payload) });
  assert.deepEqual(replay, { status: 202, body: 'duplicate delivery ignored\n' });
  const issue = await post(t.daemon.httpAddress, payload, {
    'x-github-event': 'issues',
    'x-github-delivery': `i-${delivery}`,
    'x-hub-signature-256': sign(payload),
  });
  assert.deepEqual(issue, { status: 202, body: 'event ignored\n' });
  const ping = await post(t.daemon.httpAddress, payload, {
    'x-github-event': 'ping',
    'x-github-delivery': `p-${delivery}`,
    'x-hub-signature-256': sign(payload),
  });
  assert.equal(ping.status, 200);

  // A flood of 40 valid, distinct deliveries (their forged `after` is not trusted): all 202, coalesced into a
  // handful of free checks, which find the applied commit and start no pass.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const beforeFlood = await t.daemon.status();
  const before = beforeFlood.state?.passes ?? 0;
  const flood = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      post(t.daemon.httpAddress, payload, { 'x-github-event': 'push', 'x-github-delivery': `f${i}-${delivery}`, 'x-hub-signature-256': sign(payload) }),
    ),
  );
  assert.ok(flood.every((r) => r.status === 202));
  await t.until((s) => s.checks >= beforeFlood.checks + 1, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const afterFlood = await t.daemon.status();
  assert.equal(afterFlood.state?.passes, before, '40 deliveries on the applied commit start no pass');
  const floodChecks = afterFlood.checks - beforeFlood.checks;
  assert.ok(floodChecks >= 1 && floodChecks <= 3, `40 deliveries caused ${floodChecks} checks`);
  assert.equal(afterFlood.lastCheck?.passRequested, false);

  const metrics = await (await t.http('/metrics')).text();
  assert.match(metrics, /capsched_webhook_deliveries_total\{outcome="unauthorized"\} 3/);
  assert.match(metrics, /capsched_webhook_deliveries_total\{outcome="duplicate"\} 1/);
  assert.match(metrics, /capsched_webhook_deliveries_total\{outcome="too-large"\} 1/);
  assert.equal(metrics.includes(SECRET), false);
});

test('/healthz, /readyz and /metrics: content and exposition format', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  repo.write('schedules/weekend.yaml', planYaml('weekend', 4));
  const sha = repo.commit('two plans');
  const t = await startTestDaemon(ctx, { source: repo.remote });
  cleanupInstallation(ctx, t.installation);
  assert.equal((await t.http('/healthz')).status, 200);
  await t.until((s) => s.ready);
  const ready = await t.http('/readyz');
  assert.deepEqual([ready.status, await ready.text()], [200, 'ready\n']);
  const res = await t.http('/metrics');
  assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (const family of [
    'capsched_reconcile_passes_total',
    'capsched_reconcile_duration_seconds',
    'capsched_reconcile_errors_total',
    'capsched_managed_schedules',
    'capsched_last_applied_info',
    'capsched_last_applied_timestamp_seconds',
    'capsched_drift_corrected_total',
    'capsched_prune_blocked_total',
    'capsched_source_fetch_failures_total',
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${family} (counter|gauge|histogram)$`, 'm'), family);
  }
  assert.match(text, new RegExp(`^capsched_last_applied_info\\{revision="${sha}"\\} 1$`, 'm'));
  assert.match(text, /^capsched_managed_schedules 2$/m);
  assert.match(text, /^capsched_reconcile_passes_total\{result="applied"\} [1-9]/m);
  assert.match(text, /^capsched_reconcile_duration_seconds_bucket\{le="\+Inf"\} [1-9]/m);
  assert.match(text, /^capsched_ready 1$/m);
  // Every sample line is "name{labels} value" or "name value" (prom-client separates families with a blank line).
  for (const line of text
    .trim()
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#')))
    assert.match(line, /^[a-z_][a-z0-9_]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$/, line);
  const status = (await (await t.http('/status')).json()) as {
    installation: string;
    ready: boolean;
    state: { lastAppliedRevision: string; managedSchedules: number; problems: object };
  };
  assert.equal(status.installation, t.installation);
  assert.equal(status.ready, true);
  assert.equal(status.state.lastAppliedRevision, sha);
  assert.equal(status.state.managedSchedules, 2);
  assert.deepEqual(status.state.problems, {});
  assert.equal((await t.http('/nope')).status, 404);
  assert.equal((await t.http('/webhook')).status, 405);

  await t.daemon.stop();
  // After stop the server is closed.
  await assert.rejects(t.http('/healthz'));
});

test('POST /webhook costs no pass for the commit already applied, and at most one pass per interval for a burst', async (ctx) => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const first = repo.commit('one plan');
  const t = await startTestDaemon(ctx, { source: repo.remote, intervalMs: 3_600_000, webhookSecret: new Secret(SECRET), webhookMinIntervalMs: 2_000 });
  cleanupInstallation(ctx, t.installation);
  const ready = await t.until((s) => s.state?.lastAppliedRevision === first && s.ready);
  const passes = async (): Promise<number> => (await t.daemon.status()).localPasses.length;
  const atStart = await passes();
  assert.equal(ready.state?.lastAppliedRevision, first);
  const push = (after: string, id: string): Promise<Reply> => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after });
    return post(t.daemon.httpAddress, body, { 'x-github-event': 'push', 'x-github-delivery': `${id}-${uniqueSuffix()}`, 'x-hub-signature-256': sign(body) });
  };

  // Repeated signed pushes of the applied commit (a redelivery storm, a re-run workflow): no pass at all.
  const same = await Promise.all(Array.from({ length: 10 }, (_, i) => push(first, `same${i}`)));
  assert.deepEqual(
    same.map((r) => [r.status, r.body]),
    same.map(() => [202, `already at ${first.slice(0, 12)}: no pass\n`]),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(await passes(), atStart, 'a push of the applied commit starts no pass');

  // A new commit: one pass at once; then its own redeliveries start none.
  repo.write('schedules/nightly.yaml', planYaml('nightly', 12));
  const second = repo.commit('nightly: 12');
  assert.deepEqual(await push(second, 'new'), { status: 202, body: 'accepted\n' });
  await t.until((s) => s.state?.lastAppliedRevision === second, 15_000);
  assert.equal(await t.trus('nightly'), 12);
  const afterSecond = await passes();
  assert.equal(afterSecond, atStart + 1);
  for (const r of await Promise.all([1, 2, 3].map((i) => push(second, `again${i}`)))) assert.equal(r.body, `already at ${second.slice(0, 12)}: no pass\n`);

  // A burst of pushes naming commits not applied yet (unsigned bodies are never trusted, so this is also what
  // an insecure listener gets): the first within the interval is coalesced into one pass at its end.
  repo.write('schedules/nightly.yaml', planYaml('nightly', 10));
  const third = repo.commit('nightly: 10');
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => push(third, `burst${i}`)));
  assert.ok(
    burst.every((r) => r.status === 202 && /^(accepted\n|accepted: coalesced into one check within \d+ s\n)$/.test(r.body)),
    JSON.stringify(burst.slice(0, 3)),
  );
  assert.ok(burst.filter((r) => r.body === 'accepted\n').length <= 1, 'at most one delivery starts a pass at once');
  await t.until((s) => s.state?.lastAppliedRevision === third, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const burstPasses = (await passes()) - afterSecond;
  assert.ok(burstPasses >= 1 && burstPasses <= 2, `20 deliveries caused ${burstPasses} passes`);
  assert.equal(await t.trus('nightly'), 10);

  const metrics = await (await t.http('/metrics')).text();
  assert.match(metrics, /capsched_webhook_deliveries_total\{outcome="same-commit"\} 13/);
});
