/**
 * `capsched dev` end to end, as a user runs it: a child process with its own Temporal dev server,
 * Web UI, simulator, worker and reconciler. Edits show within 2 s, an invalid edit shows its
 * errors and keeps the last good state, Ctrl-C (SIGINT) exits 0 and leaves no server behind.
 */
import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { packageRoot } from '../../../src/paths.js';
import { tempDir } from '../../support/git-repo.js';
import { alive, latestRow, latestTable, parseHeader, spawnWatched, within } from './spawn-dev.js';

function plan(name: string, namespace: string, trus: number, hour: number): string {
  return `apiVersion: capsched/v1
kind: CapacityPlan
name: ${name}
namespace: ${namespace}
trus: ${trus}
cron: "0 ${hour} * * 1-5"
timezone: America/New_York
duration: 3h
`;
}

test('capsched dev: table, live edits, invalid edit keeps the last good state, SIGINT stops everything', { timeout: 240_000 }, async () => {
  const dir = tempDir('capsched-dev-');
  writeFileSync(join(dir, 'nightly.yaml'), plan('nightly', 'dev-a.t1', 8, 23));

  const root = packageRoot();
  const dev = spawnWatched(process.execPath, [join(root, 'bin/capsched.js'), 'dev', dir], { cwd: root, env: { ...process.env, CAPSCHED_LOG_LEVEL: 'warn' } });
  after(() => {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  });

  // 1. The table: plan → schedule, next window, simulated capacity.
  await dev.waitFor((t) => latestRow(t, 'nightly')?.includes('capsched.dev.nightly') === true, 120_000, 'the first table');
  const header = parseHeader(dev.stdout());
  assert.ok(alive(header.pid), 'the dev server runs while capsched dev runs');
  const first = latestRow(dev.stdout(), 'nightly') as string;
  assert.match(first, /dev-a\.t1\s+8\s+capsched\.dev\.nightly\s+\w{3} \d\d \w{3} \d{4} 23:00 → .* America\/New_York/);
  assert.match(first, /on-demand$/);
  assert.ok(header.uiUrl !== undefined, 'the Web UI address is printed');
  const ui = await fetch(header.uiUrl);
  await ui.arrayBuffer();
  assert.equal(ui.status, 200, 'the Temporal Web UI answers');
  // The table is drawn from the first pass's result, as the pass ends; the installation records
  // the pass a moment later (the reconciler workflow's state, cached 250 ms by the daemon).
  let readyStatus = 0;
  for (const until = Date.now() + 5_000; readyStatus !== 200 && Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    const readyz = await fetch(header.readyz);
    await readyz.arrayBuffer();
    readyStatus = readyz.status;
  }
  assert.equal(readyStatus, 200, 'the daemon is ready');
  // The page's address is printed beside the Web UI's, and the page answers.
  const pageUrl = /capsched page\s+(http:\/\/\S+)/.exec(dev.stdout())?.[1];
  assert.ok(pageUrl !== undefined, 'the page address is printed');
  const pageRes = await fetch(pageUrl);
  assert.equal(pageRes.status, 200);
  assert.match(await pageRes.text(), /data-plan="nightly"/);

  const connection = await Connection.connect({ address: header.address });
  const client = new Client({ connection, namespace: 'default' });
  after(() => connection.close());
  const desiredTrus = async (id: string): Promise<unknown> => {
    const d = await client.schedule.getHandle(id).describe();
    const input = d.action.type === 'startWorkflow' ? (d.action.args?.[0] as { desiredTrus?: number } | undefined) : undefined;
    return input?.desiredTrus;
  };
  assert.equal(await desiredTrus('capsched.dev.nightly'), 8);

  // 2. An edit shows within 2 s (the folder watcher triggers a pass; the interval is 5 s).
  let from = dev.stdout().length;
  let t0 = Date.now();
  writeFileSync(join(dir, 'nightly.yaml'), plan('nightly', 'dev-a.t1', 4, 22));
  await dev.waitFor(
    (t) => /dev-a\.t1\s+4\s+capsched\.dev\.nightly\s+.* 22:00 →/.test(latestRow(t, 'nightly') ?? ''),
    2_000,
    'the edited plan in the table within 2 s',
    from,
  );
  const editMs = Date.now() - t0;
  assert.equal(await desiredTrus('capsched.dev.nightly'), 4, 'the schedule itself was updated');

  // 3. A new plan naming a new namespace: the simulator is re-seeded with it.
  from = dev.stdout().length;
  t0 = Date.now();
  writeFileSync(join(dir, 'weekend.yaml'), plan('weekend', 'dev-b.t2', 6, 9));
  await dev.waitFor(
    (t) => /dev-b\.t2\s+6\s+capsched\.dev\.weekend\s+.*on-demand$/.test(latestRow(t, 'weekend') ?? ''),
    2_000,
    'the added plan within 2 s, its namespace simulated',
    from,
  );
  const addMs = Date.now() - t0;
  assert.equal(await desiredTrus('capsched.dev.weekend'), 6);

  // 4. Deleting a plan file deletes its schedule (the playground allows pruning the last plan too).
  from = dev.stdout().length;
  unlinkSync(join(dir, 'weekend.yaml'));
  await dev.waitFor(
    (t) => latestTable(t) !== '' && latestRow(t, 'weekend') === undefined && latestRow(t, 'nightly') !== undefined,
    5_000,
    'the deleted plan gone from the table',
    from,
  );
  await assert.rejects(client.schedule.getHandle('capsched.dev.weekend').describe(), /not found/i);

  // A one-off that starts within the next two minutes: the table shows it running, with its end.
  const boostStart = Math.ceil((Date.now() + 40_000) / 60_000) * 60_000;
  const boostEnd = boostStart + 5 * 60_000;
  writeFileSync(
    join(dir, 'boost.yaml'),
    `apiVersion: capsched/v1\nkind: CapacityPlan\nname: boost\nnamespace: dev-a.t1\ntrus: 2\nat: "${new Date(boostStart).toISOString().slice(0, 16)}"\ntimezone: UTC\nduration: 5m\n`,
  );
  await dev.waitFor((t) => latestRow(t, 'boost')?.includes('capsched.dev.boost') === true, 5_000, 'the one-off in the table');

  // 5. An invalid edit: errors with file:line:column, nothing applied, last good state kept.
  from = dev.stdout().length;
  writeFileSync(join(dir, 'nightly.yaml'), plan('nightly', 'dev-a.t1', 4, 22).replace('trus: 4', 'trus: lots'));
  const shown = await dev.waitFor((t) => t.includes('✗ plans invalid'), 5_000, 'the validation errors', from);
  assert.match(shown, /nightly\.yaml:5:\d+ trus: /);
  const table = latestTable(dev.stdout());
  assert.match(latestRow(table, 'nightly') ?? '', /dev-a\.t1\s+4\s+capsched\.dev\.nightly/, 'the last good row stays');
  assert.equal(await desiredTrus('capsched.dev.nightly'), 4, 'nothing was applied from the invalid folder');

  // 6. The one-off runs: its row says until when, from the coordinator (the page's view model).
  const until = `active until ${new Date(boostEnd).toISOString().slice(11, 16)} (2 TRU)`;
  // Capacity as Cloud Ops reports it once the raise is done (the simulator takes 1 s).
  await dev.waitFor(
    (t) => new RegExp(`\\s2 TRUs\\s+${until.replace(/[()]/g, '\\$&')}$`).test(latestRow(t, 'boost') ?? ''),
    boostStart - Date.now() + 30_000,
    `"${until}" in the boost row`,
  );

  // 7. Ctrl-C: exit 0, and the Temporal dev server is gone.
  dev.child.kill('SIGINT');
  const exit = await within(dev.exited, 30_000, () => `no exit 30 s after SIGINT\n${dev.stderr()}`);
  assert.deepEqual(exit, { code: 0, signal: null }, dev.stderr());
  assert.equal(alive(header.pid), false, `the dev server (pid ${header.pid}) is still running`);
  await assert.rejects(fetch(header.readyz), 'the daemon HTTP server is closed');
  assert.match(dev.stderr(), /stopped; nothing left running/);
  console.log(`capsched dev: edit shown after ${editMs} ms, new plan after ${addMs} ms`);
});
