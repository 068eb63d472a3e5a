/**
 * Case 10 (abuse under load; the per-request rules — GitHub's test vector, one-byte tampering,
 * ping, non-push events — are in test/server/daemon/webhook.test.ts): a concurrent flood mixing missing
 * and forged signatures, oversized bodies, replays of one delivery and many valid deliveries,
 * while 50 slow-loris connections hang on the server. Every request gets the right answer, the
 * valid ones coalesce into a handful of passes, the body is never used, /healthz keeps answering
 * fast, and memory stays bounded.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { Secret } from '../../../src/log/index.js';
import { createTestRepo } from '../../support/git-repo.js';
import { planYaml, startFaultDaemon } from './daemon.js';
import { testTemporal, uniqueSuffix } from '../helpers/temporal.js';
import { scheduleTrus, sleep } from './helpers.js';

await testTemporal();

const SECRET = 'CANARY-webhook-abuse-4d2e';
const sign = (body: string | Buffer, secret = SECRET): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function post(address: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address.slice(0, i),
        port: Number(address.slice(i + 1)),
        path: '/webhook',
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // An oversized body may be cut off by the server's 413 + close: that is the expected answer.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? resolve({ status: 413, body: 'connection closed' }) : reject(err),
    );
    req.end(body);
  });
}

test('a mixed flood of forged, oversized, replayed and valid webhooks: right answers, coalesced passes, healthy daemon', async () => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const first = repo.commit('one plan');
  // A one-hour interval: only webhooks cause passes.
  const t = await startFaultDaemon({ source: repo.remote, intervalMs: 3_600_000, webhookSecret: new Secret(SECRET) });
  await t.until((s) => s.state?.lastAppliedRevision === first && s.ready);
  repo.write('schedules/nightly.yaml', planYaml('nightly', 12));
  const merged = repo.commit('nightly: 12');
  const address = t.daemon.httpAddress;
  const passesBefore = (await t.daemon.status()).state?.passes ?? 0;

  // 50 slow-loris connections: headers trickle in and never finish.
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const loris: Socket[] = [];
  for (let i = 0; i < 50; i++) {
    const s = connect(port, host);
    s.on('error', () => undefined);
    s.write('POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    loris.push(s);
  }

  const payload = JSON.stringify({ ref: 'refs/heads/main', after: '0'.repeat(40), plans: 'trus: 2' });
  const big = Buffer.alloc(2 * 1024 * 1024, 'a');
  const replayId = `replay-${uniqueSuffix()}`;
  const kinds: { kind: string; send: () => Promise<{ status: number; body: string }> }[] = [];
  for (let i = 0; i < 100; i++)
    kinds.push({ kind: 'unsigned', send: () => post(address, payload, { 'x-github-event': 'push', 'x-github-delivery': `u${i}` }) });
  for (let i = 0; i < 100; i++)
    kinds.push({
      kind: 'forged',
      send: () => post(address, payload, { 'x-github-event': 'push', 'x-github-delivery': `f${i}`, 'x-hub-signature-256': sign(payload, `guess-${i}`) }),
    });
  for (let i = 0; i < 10; i++)
    kinds.push({ kind: 'oversized', send: () => post(address, big, { 'x-github-event': 'push', 'x-hub-signature-256': sign(big) }) });
  for (let i = 0; i < 60; i++)
    kinds.push({
      kind: 'valid',
      send: () => post(address, payload, { 'x-github-event': 'push', 'x-github-delivery': `v${i}-${uniqueSuffix()}`, 'x-hub-signature-256': sign(payload) }),
    });
  const firstReplay = await post(address, payload, { 'x-github-event': 'push', 'x-github-delivery': replayId, 'x-hub-signature-256': sign(payload) });
  assert.equal(firstReplay.status, 202);
  for (let i = 0; i < 30; i++)
    kinds.push({
      kind: 'replay',
      send: () => post(address, payload, { 'x-github-event': 'push', 'x-github-delivery': replayId, 'x-hub-signature-256': sign(payload) }),
    });

  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const healthLatencies: number[] = [];
  const probe = (async () => {
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      assert.equal((await t.http('/healthz')).status, 200);
      healthLatencies.push(Date.now() - started);
      await sleep(50);
    }
  })();
  const answers = await Promise.all(kinds.map(async (k) => ({ kind: k.kind, ...(await k.send()) })));
  await probe;
  clearInterval(sampler);

  console.log(`webhook-abuse figures: ${JSON.stringify({ healthzMs: healthLatencies, rssGrowthMB: Math.round((rssPeak - rssBefore) / 1024 / 1024) })}`);
  const byKind = (kind: string): number[] => [...new Set(answers.filter((a) => a.kind === kind).map((a) => a.status))];
  assert.deepEqual(byKind('unsigned'), [401]);
  assert.deepEqual(byKind('forged'), [401]);
  assert.deepEqual(byKind('oversized'), [413]);
  assert.deepEqual(byKind('valid'), [202]);
  assert.deepEqual(byKind('replay'), [202]);
  assert.ok(answers.filter((a) => a.kind === 'replay').every((a) => a.body === 'duplicate delivery ignored\n'));
  assert.ok(
    answers.filter((a) => a.status === 401).every((a) => a.body === 'unauthorized\n'),
    'a generic 401 body',
  );
  assert.ok(Math.max(...healthLatencies) < 3_000, `/healthz latency during the flood: ${healthLatencies.join(', ')} ms`);
  assert.ok(rssPeak - rssBefore < 150 * 1024 * 1024, `RSS grew ${Math.round((rssPeak - rssBefore) / 1024 / 1024)} MB`);

  // The 61 accepted deliveries coalesce into a few passes; the body's "trus: 2" is never used.
  await t.until((s) => s.state?.lastAppliedRevision === merged, 15_000);
  await sleep(1_500);
  const passes = ((await t.daemon.status()).state?.passes ?? 0) - passesBefore;
  assert.ok(passes >= 1 && passes <= 4, `${passes} passes for 61 accepted deliveries`);
  assert.equal(await scheduleTrus(t.scheduleId('nightly')), 12);
  for (const s of loris) s.destroy();
  assert.equal((await t.http('/healthz')).status, 200);
  assert.equal((await t.http('/readyz')).status, 200);
  const metrics = await (await t.http('/metrics')).text();
  assert.match(metrics, /capsched_webhook_deliveries_total\{outcome="unauthorized"\} 200/);
  assert.equal(metrics.includes(SECRET), false);
});
