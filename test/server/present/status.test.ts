import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusCommand } from '../../../src/cli/status.js';
import type { PresentView } from '../../../src/core/present/model.js';
import { startPageDaemon, utcMinute } from './helpers.js';

async function status(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await statusCommand(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {}, cwd: process.cwd() });
  return { code, out, err };
}

test('capsched status: an active window with plan, TRUs, end, commit and link; capacity as the simulator reports it; the next window', async (ctx) => {
  const { t, namespace, soonStart } = await startPageDaemon(ctx);
  const url = `http://${t.daemon.httpAddress}`;
  const soonEnd = Date.parse(`${utcMinute(soonStart)}Z`) + 10 * 60_000;
  // Wait for the one-off to be held by the coordinator and raised in the simulator.
  const deadline = Date.now() + 60_000;
  let view: PresentView | undefined;
  for (;;) {
    const r = await status([namespace, '--json', '--url', url]);
    assert.equal(r.code, 0, r.err);
    view = JSON.parse(r.out) as PresentView;
    const ns = view.namespaces[0];
    if (ns !== undefined && ns.active.length > 0 && ns.capacityText === '6 TRUs') break;
    if (Date.now() > deadline) assert.fail(`no active window raised in time: ${r.out.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const ns = view.namespaces[0]!;
  assert.equal(ns.namespace, namespace);
  assert.equal(ns.effectiveTrus, 6);
  assert.equal(ns.active[0]!.plan, 'soon');
  assert.equal(ns.active[0]!.end?.ms, soonEnd);
  assert.match(ns.active[0]!.commit ?? '', /^sha256:/);
  assert.equal(ns.next?.plan === 'daily' || ns.next?.plan === 'nightly', true);

  const text = await status([namespace, '--url', url]);
  assert.equal(text.code, 0);
  assert.match(text.out, /capacity \(Cloud Ops\)\s+6 TRUs/);
  assert.match(text.out, new RegExp(`soon \\(schedules/soon\\.yaml:1\\): 6 TRU until ${new Date(soonEnd).toISOString().slice(0, 16)}Z, commit sha256:`));
  assert.match(text.out, /http:\/\/localhost:8233\/namespaces\/default\/workflows\/capsched\./);
  assert.match(text.out, /next window\s+(daily|nightly): /);

  const missing = await status(['nobody.x1', '--url', url]);
  assert.equal(missing.code, 1);
  assert.match(missing.out, /nobody\.x1: no plan at the applied commit/);
  const down = await status(['--url', 'http://127.0.0.1:1']);
  assert.equal(down.code, 1);
  assert.match(down.err, /cannot read the daemon at http:\/\/127\.0\.0\.1:1/);
});
