import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListen } from '../../../src/daemon/http-server.js';
import { nextPassDelayMs, initialReconcilerState } from '../../../src/core/reconciler-contract.js';

test('--listen parsing: host:port, [v6]:port, :port means loopback; junk is refused', () => {
  assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListen('[::1]:9464'), { host: '::1', port: 9464 });
  assert.deepEqual(parseListen(':9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListen('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
  for (const bad of ['9464', 'host:', 'host:99999', 'a:b']) assert.throws(() => parseListen(bad), /must be host:port/, bad);
});

test('pass delay: the interval ±10 % when healthy; exponential backoff capped at 10× (≤ 5 min) after failures', () => {
  const healthy = initialReconcilerState();
  assert.equal(nextPassDelayMs(healthy, 30_000, 0.5), 30_000);
  assert.equal(nextPassDelayMs(healthy, 30_000, 0), 27_000);
  assert.equal(nextPassDelayMs(healthy, 30_000, 1), 33_000);
  const failing = (n: number) => ({ ...healthy, consecutiveFailures: n });
  assert.equal(nextPassDelayMs(failing(1), 30_000, 0.5), 60_000);
  assert.equal(nextPassDelayMs(failing(2), 30_000, 0.5), 120_000);
  assert.equal(nextPassDelayMs(failing(3), 30_000, 0.5), 240_000);
  assert.equal(nextPassDelayMs(failing(10), 30_000, 0.5), 300_000, 'capped at 5 min');
  assert.equal(nextPassDelayMs(failing(10), 1_000, 0.5), 10_000, 'capped at 10 intervals');
  assert.equal(nextPassDelayMs(failing(3), 600_000, 0.5), 600_000, 'never shorter than the interval');
});
