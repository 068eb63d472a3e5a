/**
 * Case 4: Cloud Ops faults during a real window (dev server, simulator, Slack sink).
 * Transient faults (UNAVAILABLE, RESOURCE_EXHAUSTED, stale resource_version) are retried with the
 * same operation id and the window completes with exactly one raise and one revert; terminal ones
 * (operation FAILED, capacity unavailable, 401, 403) stop at once with one critical alert that carries
 * no secret, and capacity is never left provisioned. Other namespace spec fields survive.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { after } from 'node:test';
import { coordinatorWorkflowId } from '../../../src/core/capacity/window.js';
import { testTemporal } from '../helpers/temporal.js';
import { CLOUD_API_KEY, replayHistories, describeCapacity, faultNamespace, history, resultOf, slackText, startCapacityStack, until } from './helpers.js';

// The shared dev server connection belongs to the file, not to the first suite that asks for it.
const { client } = await testTemporal();

const NS = {
  unavailable: faultNamespace('unavail'),
  exhausted: faultNamespace('exhausted'),
  failed: faultNamespace('opfailed'),
  stale: faultNamespace('stale'),
  noCapacity: faultNamespace('nocap'),
};

function updates(sim: { requestLog(): { method: string; namespace?: string }[] }, namespace: string): number {
  return sim.requestLog().filter((r) => r.method === 'UpdateNamespace' && r.namespace === namespace).length;
}

function specWithoutCapacity(spec: Record<string, unknown>): Record<string, unknown> {
  const { capacitySpec: _drop, ...rest } = spec;
  return rest;
}

describe('Cloud Ops faults during a window', { concurrency: true }, async () => {
  const stack = await startCapacityStack({ namespaces: Object.values(NS) });
  const windows: string[] = [];
  const start = async (...args: Parameters<typeof stack.startWindow>) => {
    const handle = await stack.startWindow(...args);
    windows.push(handle.workflowId);
    return handle;
  };

  after(async () => {
    // Every failure shape above (retried, stale, failed, rejected) replays with the current code.
    const coordinators = Object.values(NS).map(coordinatorWorkflowId);
    const replayed = await replayHistories(client, [...windows, ...coordinators]);
    if (replayed !== windows.length + coordinators.length) throw new Error('not every history replayed');
  });
  const messagesFor = (ns: string): string[] => stack.sink.requests.map((r) => r.raw).filter((raw) => raw.includes(ns));

  for (const kind of ['unavailable', 'resourceExhausted'] as const) {
    const ns = kind === 'unavailable' ? NS.unavailable : NS.exhausted;
    test(`${kind} twice on UpdateNamespace: retried with the same id, one raise, one revert, one info alert`, async () => {
      const before = specWithoutCapacity(stack.sim.specOf(ns));
      stack.sim.injectFault({ kind, method: 'UpdateNamespace', namespace: ns, times: 2 });
      const result = await resultOf(await start(ns, { trus: 8, windowMs: 6_000 }));
      assert.deepEqual(
        { ...result, errors: [] },
        { namespace: ns, initialChangeSuccess: true, verificationSuccess: true, revertedToOnDemand: true, revertVerificationSuccess: true, errors: [] },
        result.errors.join('; '),
      );
      assert.deepEqual(history(stack.sim, ns), ['8', 'onDemand']);
      assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
      // 2 refused + 1 accepted raise, 1 revert; every accepted operation is distinct.
      assert.equal(updates(stack.sim, ns), 4);
      assert.equal(
        new Set(
          stack.sim
            .operations()
            .filter((o) => o.namespace === ns)
            .map((o) => o.id),
        ).size,
        2,
      );
      assert.deepEqual(specWithoutCapacity(stack.sim.specOf(ns)), before, 'other spec fields preserved');
      const sent = await until(() => (messagesFor(ns).length >= 1 ? messagesFor(ns) : undefined), 5_000, 'the info alert');
      assert.equal(sent.length, 1, 'no alert per retry');
      // A verified revert ("late" only if a loaded machine held the retried raise past the end).
      assert.match(sent[0] ?? '', /INFO: Capacity reverted to on-demand|ERROR: Capacity reverted late/);
    });
  }

  test('stale resource_version (someone changed the namespace between read and write): re-read, no lost update, spec preserved', async () => {
    const ns = NS.stale;
    const before = specWithoutCapacity(stack.sim.specOf(ns));
    // Hold the first UpdateNamespace 800 ms; meanwhile capacity is changed out of band.
    stack.sim.injectFault({ kind: 'latency', latencyMs: 800, method: 'UpdateNamespace', namespace: ns, times: 1 });
    const handle = await start(ns, { trus: 8, windowMs: 6_000 });
    await until(() => updates(stack.sim, ns) >= 1, 10_000, 'the first UpdateNamespace');
    stack.sim.setCapacityOutOfBand(ns, { mode: 'provisioned', trus: 2 });
    const result = await resultOf(handle);
    assert.equal(result.initialChangeSuccess, true, result.errors.join('; '));
    assert.equal(result.revertVerificationSuccess, true, result.errors.join('; '));
    assert.deepEqual(history(stack.sim, ns), ['2', '8', 'onDemand']);
    assert.deepEqual(
      stack.sim.changes(ns).map((c) => c.source),
      ['out-of-band', 'api', 'api'],
    );
    assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
    assert.deepEqual(specWithoutCapacity(stack.sim.specOf(ns)), before, 'other spec fields preserved');
    // The stale write was refused once (FAILED_PRECONDITION), then the re-read write went through.
    assert.equal(updates(stack.sim, ns), 3);
  });

  for (const kind of ['operationFailed', 'capacityUnavailable'] as const) {
    const ns = kind === 'operationFailed' ? NS.failed : NS.noCapacity;
    test(`${kind}: terminal, not retried, one critical alert without secrets, capacity stays on-demand`, async () => {
      stack.sim.injectFault({ kind, namespace: ns });
      const result = await resultOf(await start(ns, { trus: 8, windowMs: 4_000 }));
      assert.equal(result.initialChangeSuccess, false);
      assert.equal(result.verificationSuccess, false);
      assert.match(result.errors.join('\n'), kind === 'operationFailed' ? /failed: internal error while provisioning/ : /was rejected: capacity unavailable/);
      assert.deepEqual(history(stack.sim, ns), [], 'no capacity change took effect');
      assert.deepEqual(describeCapacity(stack.sim, ns), { mode: 'onDemand' });
      assert.equal(updates(stack.sim, ns), 1, 'a terminal failure is not retried');
      const sent = await until(() => (messagesFor(ns).length >= 1 ? messagesFor(ns) : undefined), 5_000, 'the critical alert');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(messagesFor(ns).length, 1);
      assert.match(sent[0] ?? '', /CRITICAL: Capacity change failed/);
      assert.equal(slackText(stack.sink).includes(CLOUD_API_KEY), false);
      assert.equal(slackText(stack.sink).includes('CANARY'), false);
    });
  }
});

test('401 (API key revoked or wrong): terminal at once, critical alert saying so, no key anywhere', async () => {
  const ns = faultNamespace('unauth');
  const revoked = 'CANARY-revoked-key-8c1e5b7d42';
  const stack = await startCapacityStack({ namespaces: [ns], clientApiKey: revoked });
  const handle = await stack.startWindow(ns, { trus: 8, windowMs: 4_000 });
  const result = await resultOf(handle);
  assert.equal(result.initialChangeSuccess, false);
  assert.match(result.errors.join('\n'), /invalid or expired/);
  assert.deepEqual(history(stack.sim, ns), []);
  // The coordinator's first read (it may have lost windows) and the raise's read-modify-write, both refused; nothing retried.
  assert.equal(stack.sim.requestLog().filter((r) => r.namespace === ns).length, 2, 'one read and one refused change, not retried');
  const [message] = await stack.sink.waitForMessages(1, 5_000);
  assert.match(message?.raw ?? '', /CRITICAL: Capacity change failed/);
  assert.match(message?.raw ?? '', /invalid or expired/);
  const history_ = JSON.stringify(await handle.fetchHistory());
  for (const haystack of [slackText(stack.sink), stack.logs.text(), history_, result.errors.join('\n')]) {
    assert.equal(haystack.includes(revoked), false);
    assert.equal(haystack.includes(CLOUD_API_KEY), false);
  }
});

test('403 (the key lacks Namespace Admin on the namespace): terminal, one critical alert naming the missing role', async () => {
  const ns = faultNamespace('forbidden');
  const stack = await startCapacityStack({ namespaces: [ns, 'other.acct1'], simulator: { permittedNamespaces: ['other.acct1'] } });
  const result = await resultOf(await stack.startWindow(ns, { trus: 8, windowMs: 4_000 }));
  assert.equal(result.initialChangeSuccess, false);
  assert.match(result.errors.join('\n'), /lacks permission/);
  assert.deepEqual(history(stack.sim, ns), []);
  assert.equal(stack.sim.requestLog().filter((r) => r.namespace === ns).length, 2, 'one read and one refused change, not retried');
  const [message] = await stack.sink.waitForMessages(1, 5_000);
  assert.match(message?.raw ?? '', /CRITICAL: Capacity change failed/);
  assert.match(message?.raw ?? '', /Namespace Admin/);
  assert.equal(slackText(stack.sink).includes(CLOUD_API_KEY), false);
});
