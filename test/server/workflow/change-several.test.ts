/**
 * `capsched change a,b <trus> [minutes]`: one run per Temporal Cloud namespace, started together,
 * against the real dev server, the Cloud Ops simulator (real gRPC) and a Slack HTTP server. A
 * namespace Cloud Ops refuses fails alone: the others are raised, verified, reverted and verified.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeCommand, type MultiChangeResult } from '../../../src/cli/change.js';
import type { CliIO } from '../../../src/cli/io.js';
import type { CapacityChangeResult } from '../../../src/core/workflow-contract.js';
import { uniqueSuffix } from '../helpers/temporal.js';
import { CLOUD_KEY, e2eNamespace, startE2EStack } from './e2e-stack.js';

const ns = {
  a: e2eNamespace(),
  b: e2eNamespace(),
  c: e2eNamespace(),
  d: e2eNamespace(),
  single: e2eNamespace(),
  noWaitA: e2eNamespace(),
  noWaitB: e2eNamespace(),
};
/** Unknown to the simulator: Cloud Ops answers NOT_FOUND for it. */
const refused = `refused-${uniqueSuffix()}.acct1`;
const stack = await startE2EStack(Object.values(ns));

function io(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: { CAPSCHED_TEMPORAL_UI_URL: 'http://ui.several:8233' },
    cwd: process.cwd(),
  };
}

const connection = (): string[] => ['--verify-delay', '300ms', '--task-queue', stack.taskQueue, '--address', stack.temporal.address];
const progressOf = (err: string[]): string[] =>
  err
    .join('')
    .split('\n')
    .filter((l) => /^ {2}\d\d:\d\d:\d\d /.test(l))
    .map((l) => l.slice(11));

test('capsched change a,refused 4 for 6 s: exit 1; a is raised, verified, reverted and verified; the refused one fails alone with a critical alert naming it; progress and results per namespace', async () => {
  const cli = io();
  const code = await changeCommand([`${ns.a},${refused}`, '4', '0.1', ...connection()], cli);
  const out = cli.out.join('');
  assert.equal(code, 1, `${out}\n${cli.err.join('')}`);
  assert.deepEqual(stack.history(ns.a), ['4', 'onDemand']);
  assert.equal(stack.sim.capacityOf(ns.a).mode, 'onDemand');

  // Results: one block per namespace, in the order given, then the overall line.
  const esc = (s: string): string => s.replace(/\./g, '\\.');
  assert.match(
    out,
    new RegExp(
      `capacity change for ${esc(ns.a)}: 4 TRUs until .*\\n  ✓ set 4 TRUs\\n  ✓ verified provisioned capacity\\n  ✓ reverted to on-demand and verified\\n`,
    ),
  );
  assert.match(out, new RegExp(`capacity change for ${esc(refused)}: 4 TRUs until .*\\n  ✗ set 4 TRUs\\n`));
  assert.match(out, new RegExp(`  error: set 4 TRUs failed: .*`));
  assert.ok(out.indexOf(ns.a) < out.indexOf(refused));
  assert.match(out, new RegExp(`overall: ✗ 1 of 2 namespaces failed: ${esc(refused)}\\n$`));

  // Progress: each line names its namespace (padded to the longest id); each namespace's steps in order.
  const progress = progressOf(cli.err);
  const width = Math.max(ns.a.length, refused.length) + 1;
  const of = (n: string): string[] =>
    progress.filter((l) => l.startsWith(`${n}:`)).map((l) => l.slice(width + 1).replace(/^waiting until .*$/, 'waiting until …'));
  assert.equal(of(ns.a).length + of(refused).length, progress.length, progress.join('\n'));
  assert.deepEqual(of(ns.a), [
    'raise requested: 4 TRUs',
    'applied: 4 TRUs',
    'verified: 4 TRUs provisioned',
    'waiting until …',
    'revert requested',
    'reverted to on-demand',
    'verified: on-demand',
  ]);
  assert.equal(of(refused)[0], 'raise requested: 4 TRUs');
  assert.match(of(refused).at(-1) ?? '', /^failed: .*set 4 TRUs failed/);

  // Slack: a critical alert that names the refused namespace; the other's info alert names it, not the refused one.
  const deadline = Date.now() + 10_000;
  while (!stack.sink.messages.some((m) => m.raw.includes(refused)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const alert = stack.sink.messages.find((m) => m.raw.includes(refused));
  assert.match(alert?.text ?? '', /🔴 CRITICAL/);
  assert.ok(!alert?.raw.includes(ns.a), 'the refused namespace has its own alert');
  assert.ok(!stack.sink.messages.some((m) => m.raw.includes(CLOUD_KEY)));
});

test('capsched change a,b,refused --json: {ok, trus, endTime, namespaces: {id: the seed fields + ok, workflowId, url}}; exit 1; a,b alone: ok true, exit 0', async () => {
  const cli = io();
  const code = await changeCommand([`${ns.b},${ns.c},${refused}`, '6', '0.05', '--json', ...connection()], cli);
  assert.equal(code, 1, cli.err.join(''));
  assert.doesNotMatch(cli.err.join(''), /raise requested|waiting until/);
  const result = JSON.parse(cli.out.join('')) as MultiChangeResult;
  assert.equal(result.ok, false);
  assert.equal(result.trus, 6);
  assert.match(result.endTime ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(Object.keys(result.namespaces), [ns.b, ns.c, refused]);
  for (const n of [ns.b, ns.c]) {
    const { workflowId, url, ...rest } = result.namespaces[n]!;
    assert.deepEqual(rest, {
      namespace: n,
      initialChangeSuccess: true,
      verificationSuccess: true,
      revertedToOnDemand: true,
      revertVerificationSuccess: true,
      errors: [],
      ok: true,
    });
    assert.match(workflowId, new RegExp(`^capsched-change-${n.replace(/\./g, '\\.')}-`));
    assert.equal(url, `http://ui.several:8233/namespaces/default/workflows/${workflowId}`);
    assert.deepEqual(stack.history(n), ['6', 'onDemand']);
  }
  const r = result.namespaces[refused]!;
  assert.equal(r.ok, false);
  assert.equal(r.initialChangeSuccess, false);
  assert.equal(r.revertedToOnDemand, false);
  assert.match(r.errors.join('\n'), /set 6 TRUs failed/);

  const good = io();
  assert.equal(await changeCommand([`${ns.d}, ${ns.single}`, '2', '0.05', '--json', ...connection()], good), 0, good.err.join(''));
  const all = JSON.parse(good.out.join('')) as MultiChangeResult;
  assert.equal(all.ok, true);
  assert.deepEqual(
    Object.values(all.namespaces).map((o) => [o.namespace, o.ok]),
    [
      [ns.d, true],
      [ns.single, true],
    ],
  );
});

test('capsched change with one namespace keeps its JSON: the seed result object, no "ok" or "namespaces"', async () => {
  const cli = io();
  assert.equal(await changeCommand([ns.single, '3', '0.05', '--json', ...connection()], cli), 0, cli.err.join(''));
  const result = JSON.parse(cli.out.join('')) as CapacityChangeResult;
  assert.deepEqual(result, {
    namespace: ns.single,
    initialChangeSuccess: true,
    verificationSuccess: true,
    revertedToOnDemand: true,
    revertVerificationSuccess: true,
    errors: [],
  });
});

test('capsched change a,b --no-wait --workflow-id ID: starts ID-a and ID-b and prints them; both runs complete', async () => {
  const cli = io();
  const id = `several-${uniqueSuffix()}`;
  assert.equal(await changeCommand([`${ns.noWaitA},${ns.noWaitB}`, '4', '0.05', '--no-wait', '--json', '--workflow-id', id, ...connection()], cli), 0);
  const started = JSON.parse(cli.out.join('')) as { ok: boolean; namespaces: Record<string, { workflowId: string; runId: string; url: string }> };
  assert.equal(started.ok, true);
  assert.deepEqual(
    Object.entries(started.namespaces).map(([n, s]) => [n, s.workflowId]),
    [
      [ns.noWaitA, `${id}-${ns.noWaitA}`],
      [ns.noWaitB, `${id}-${ns.noWaitB}`],
    ],
  );
  for (const [n, s] of Object.entries(started.namespaces)) {
    const result = (await stack.temporal.client.workflow.getHandle(s.workflowId, s.runId).result()) as CapacityChangeResult;
    assert.equal(result.revertVerificationSuccess, true, n);
    assert.deepEqual(stack.history(n), ['4', 'onDemand']);
  }
});

test('capsched change several-namespace usage errors exit 2 with the reason: a duplicate, an empty entry, a bad id, --namespace given twice', async () => {
  const cases: [string[], RegExp][] = [
    [['pay.a1,ord.a1,pay.a1', '4'], /namespace pay\.a1 is given twice/],
    [['pay.a1,', '4'], /"pay\.a1," has an empty namespace id/],
    [['pay.a1,,ord.a1', '4'], /has an empty namespace id/],
    [['pay.a1,bad ns!', '4'], /"bad ns!" is not a Temporal Cloud namespace id/],
    [
      ['--namespace', 'pay.a1', '--namespace', 'ord.a1', '4'],
      /--namespace is the Temporal namespace to connect to and is given once .*capsched change pay\.a1,ord\.a1 <trus>/,
    ],
  ];
  for (const [argv, message] of cases) {
    const cli = io();
    assert.equal(await changeCommand(argv, cli), 2, argv.join(' '));
    assert.match(cli.err.join(''), message, argv.join(' '));
  }
});
