import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insecureListenerMessage, isLoopbackHost, parseListen, pushedHead } from '../../../src/daemon/http-server.js';
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

test('loopback hosts, and the message that refuses a listener beyond loopback without a webhook secret', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'capsched.example.com', '127.0.0.1.nip.io']) assert.equal(isLoopbackHost(host), false, host);
  const text = insecureListenerMessage('0.0.0.0:9464');
  assert.match(text, /--listen 0\.0\.0\.0:9464 is beyond loopback and CAPSCHED_WEBHOOK_SECRET is not set/);
  assert.match(text, /billed Actions/);
  assert.match(text, /CAPSCHED_WEBHOOK_INSECURE=1/);
  assert.match(insecureListenerMessage('[::]:80', 'GH_HOOK_SECRET'), /GH_HOOK_SECRET is not set/);
});

test("a push delivery's head: `after` when it is a commit id; nothing for a deletion, junk or no JSON", () => {
  const sha1 = 'a'.repeat(40);
  const sha256 = 'b'.repeat(64);
  assert.equal(pushedHead(Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: sha1 }))), sha1);
  assert.equal(pushedHead(Buffer.from(JSON.stringify({ after: sha256 }))), sha256);
  assert.equal(pushedHead(Buffer.from(JSON.stringify({ after: '0'.repeat(40) }))), undefined, 'a branch deletion');
  assert.equal(pushedHead(Buffer.from(JSON.stringify({ after: 'A'.repeat(40) }))), undefined, 'not lower-case hex');
  assert.equal(pushedHead(Buffer.from(JSON.stringify({ after: 42 }))), undefined);
  assert.equal(pushedHead(Buffer.from(JSON.stringify({}))), undefined);
  assert.equal(pushedHead(Buffer.from('not json')), undefined);
});
