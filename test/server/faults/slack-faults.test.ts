/**
 * Case 6: the Slack webhook misbehaves (500, 429 + Retry-After, timeout, 410 revoked) while real
 * windows run. The capacity result is never affected, each alert's attempts are bounded (counted
 * at the sink), a recovered webhook gets the message exactly once, and a revoked webhook is not
 * hammered: one request, a warning in the logs, alerts logged only from then on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testTemporal } from '../helpers/temporal.js';
import { describeCapacity, faultNamespace, history, resultOf, startCapacityStack } from './helpers.js';

await testTemporal();

const namespaces = {
  e500: faultNamespace('s500'),
  e429: faultNamespace('s429'),
  timeout: faultNamespace('stimeout'),
  gone: faultNamespace('s410'),
  after: faultNamespace('safter'),
};

const OK = { namespace: '', initialChangeSuccess: true, verificationSuccess: true, revertedToOnDemand: true, revertVerificationSuccess: true, errors: [] };

describe('Slack faults never affect capacity; retries are bounded', async () => {
  const stack = await startCapacityStack({
    namespaces: Object.values(namespaces),
    slack: { attemptTimeoutMs: 800, maxAttempts: 4, totalTimeoutMs: 5_000, initialBackoffMs: 50 },
  });
  const requestsFor = (ns: string) => stack.sink.requests.filter((r) => r.raw.includes(ns));

  async function window(ns: string): Promise<void> {
    const endMs = Date.now() + 2_500;
    const result = await resultOf(await stack.startWindow(ns, { trus: 6, windowMs: 2_500 }));
    assert.deepEqual(result, { ...OK, namespace: ns });
    // The revert is never held up by Slack: it takes effect within seconds of the end.
    const revert = stack.sim.changes(ns).at(-1);
    assert.ok(revert !== undefined && revert.atMs - endMs < 5_000, `revert ${revert === undefined ? 'missing' : `${revert.atMs - endMs} ms after the end`}`);
    assert.deepEqual(history(stack.sim, ns), ['6', 'onDemand']);
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
  }

  test('500, 500, then 200: delivered once after 3 attempts', async () => {
    stack.sink.respondWith({ status: 500 }, { status: 500 });
    await window(namespaces.e500);
    const reqs = requestsFor(namespaces.e500);
    assert.deepEqual(
      reqs.map((r) => r.status),
      [500, 500, 200],
    );
    assert.equal(stack.sink.messages.filter((m) => m.raw.includes(namespaces.e500)).length, 1);
  });

  test('429 with Retry-After: 1 → waits about a second, then delivered once', async () => {
    stack.sink.respondWith({ status: 429, retryAfterSeconds: 1 });
    await window(namespaces.e429);
    const reqs = requestsFor(namespaces.e429);
    assert.deepEqual(
      reqs.map((r) => r.status),
      [429, 200],
    );
    const gap = (reqs[1]?.at ?? 0) - (reqs[0]?.at ?? 0);
    assert.ok(gap >= 950, `Retry-After honoured (gap ${gap} ms)`);
  });

  test('a webhook that never answers: at most 4 attempts within the 5 s cap; the window result is unaffected', async () => {
    stack.sink.setDefault({ timeout: true });
    const started = Date.now();
    try {
      await window(namespaces.timeout);
    } finally {
      stack.sink.setDefault({ status: 200 });
    }
    const reqs = requestsFor(namespaces.timeout);
    assert.ok(reqs.length >= 2 && reqs.length <= 4, `bounded attempts: ${reqs.length}`);
    assert.ok(Date.now() - started < 30_000);
    assert.equal(stack.logs.find('alert not delivered to Slack (gave up)').length, 1);
    // Not a retry storm afterwards: no further requests for that alert.
    const count = reqs.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(requestsFor(namespaces.timeout).length, count);
  });

  test('410 (webhook revoked): one request, a warning, later alerts are logged only; capacity unaffected', async () => {
    stack.sink.respondWith({ status: 410 });
    await window(namespaces.gone);
    assert.deepEqual(
      requestsFor(namespaces.gone).map((r) => r.status),
      [410],
    );
    assert.equal(stack.logs.find(/Slack webhook revoked or deleted/).length, 1);
    assert.equal(stack.notifier.stats().revoked, true);
    const before = stack.sink.requests.length;
    await window(namespaces.after);
    assert.equal(stack.sink.requests.length, before, 'a revoked webhook is not called again');
    assert.ok(stack.logs.find(/alert not posted: the Slack webhook was revoked/).length >= 1);
  });
});
