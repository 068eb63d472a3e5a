/**
 * Case 12: hostile commits pushed to the plans repository of a running daemon: a billion-laughs
 * alias bomb, a 100 MB plan file, 10,000 plan files, nesting 100,000 deep. Each is refused within
 * a time bound with nothing applied, the daemon's memory stays bounded (peak RSS of this process,
 * which runs the daemon, sampled every 20 ms), it keeps answering /healthz, the last applied
 * schedules stay in force, and a fixing commit applies.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestRepo } from '../../support/git-repo.js';
import { planYaml, startFaultDaemon, type FaultDaemon } from './daemon.js';
import { testTemporal } from '../helpers/temporal.js';
import { scheduleTrus } from './helpers.js';

await testTemporal();

const MB = 1024 * 1024;
/**
 * Refused within this: pass wall time, the git fetch of the hostile commit included (the 100 MB
 * blob is fetched and inflated by git even though capsched never reads it). Typical: 0.3–3 s.
 */
const PASS_BOUND_MS = 10_000;
/** Peak RSS growth allowed while a hostile commit is handled. */
const RSS_BOUND = 150 * MB;

function aliasBomb(): string {
  const lines = ['apiVersion: capsched/v1', 'kind: CapacityPlan', 'name: bomb', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

interface Measured {
  passMs: number;
  rssDelta: number;
  result: string;
}

async function attack(
  t: FaultDaemon,
  commit: () => string,
  done: (s: Awaited<ReturnType<FaultDaemon['until']>>, sha: string) => boolean,
): Promise<Measured & { sha: string }> {
  const passesBefore = (await t.daemon.status()).localPasses.length;
  const sha = commit();
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    await t.until((s) => done(s, sha), 30_000);
  } finally {
    clearInterval(sampler);
  }
  assert.equal((await t.http('/healthz')).status, 200, 'the daemon stays healthy');
  const pass = (await t.daemon.status()).localPasses.slice(passesBefore).find((p) => p.result !== 'unchanged' && p.result !== 'applied');
  assert.ok(pass !== undefined, 'a pass handled the hostile commit');
  return { sha, passMs: pass.finishedAt - pass.startedAt, rssDelta: peak - baseline, result: String(pass.result) };
}

test('YAML attacks through the daemon: refused in bounded time and memory, nothing applied, healthy, recovers', async () => {
  const repo = createTestRepo();
  repo.write('schedules/nightly.yaml', planYaml('nightly'));
  const good = repo.commit('one plan');
  const t = await startFaultDaemon({ source: repo.remote, intervalMs: 250 });
  await t.until((s) => s.state?.lastAppliedRevision === good);
  const writes = t.store.writes();
  const figures: Record<string, Measured> = {};
  const invalid = (s: Awaited<ReturnType<FaultDaemon['until']>>, sha: string): boolean =>
    s.state?.lastAttemptedRevision === sha && s.state.lastPassResult === 'invalid';

  // Billion laughs: 9^10 strings if expanded.
  const bomb = await attack(t, () => (repo.write('schedules/bomb.yaml', aliasBomb()), repo.commit('alias bomb')), invalid);
  figures.aliasBomb = bomb;
  assert.match((await t.daemon.status()).state?.problems.plans?.message ?? '', /bomb\.yaml:\d+:\d+.*alias/i);
  repo.remove('schedules/bomb.yaml');

  // Nesting 100,000 deep.
  const deep = await attack(
    t,
    () => (repo.write('schedules/deep.yaml', `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`), repo.commit('deep nesting')),
    invalid,
  );
  figures.deepNesting = deep;
  assert.match((await t.daemon.status()).state?.problems.plans?.message ?? '', /deep\.yaml:\d+:\d+/);
  repo.remove('schedules/deep.yaml');

  // 100 MB plan file: listed by size, never read.
  const huge = await attack(
    t,
    () => {
      writeFileSync(join(repo.dir, 'schedules/huge.yaml'), Buffer.alloc(100 * MB, 'x: y\n'));
      return repo.commit('100 MB plan');
    },
    invalid,
  );
  figures.hundredMbFile = huge;
  assert.match((await t.daemon.status()).state?.problems.plans?.message ?? '', /huge\.yaml/);
  repo.remove('schedules/huge.yaml');

  // 10,000 plan files: over the source's file limit, refused before any is read.
  const many = await attack(
    t,
    () => {
      for (let i = 0; i < 10_000; i++) repo.write(`schedules/many/p${i}.yaml`, planYaml(`p${i}`));
      return repo.commit('10,000 plans');
    },
    (s) => /source-too-many-files/.test(s.state?.problems.source?.message ?? ''),
  );
  figures.tenThousandFiles = many;
  repo.remove('schedules/many');

  for (const [name, m] of Object.entries(figures)) {
    assert.ok(m.passMs < PASS_BOUND_MS, `${name}: pass took ${m.passMs} ms`);
    assert.ok(m.rssDelta < RSS_BOUND, `${name}: RSS grew ${Math.round(m.rssDelta / MB)} MB`);
  }
  console.log(
    `yaml-attacks figures: ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, m]) => [k, { result: m.result, passMs: m.passMs, rssDeltaMB: Math.round(m.rssDelta / MB) }])))}`,
  );

  // Nothing was applied from any hostile commit, the schedule kept running.
  assert.equal(t.store.writes(), writes);
  assert.equal(t.store.calls.delete ?? 0, 0);
  assert.equal(await scheduleTrus(t.scheduleId('nightly')), 8);
  assert.equal((await t.daemon.status()).state?.lastAppliedRevision, good);

  // A fixing commit applies.
  repo.write('schedules/nightly.yaml', planYaml('nightly', 10));
  const fixed = repo.commit('fix');
  await t.until((s) => s.state?.lastAppliedRevision === fixed, 20_000);
  assert.equal(await scheduleTrus(t.scheduleId('nightly')), 10);
  // One alert per hostile commit (transitions only), plus the recovery notices.
  const titles = t.sink.messages.map((m) => /\*(?:ERROR|CRITICAL|INFO): ([^*]+)\*/.exec(m.raw)?.[1]);
  assert.equal(titles.filter((x) => x?.startsWith('Invalid plans')).length, 3, JSON.stringify(titles));
  assert.equal(titles.filter((x) => x?.startsWith('Plan source refused the commit')).length, 1, JSON.stringify(titles));
  assert.equal(titles.filter((x) => x?.startsWith('Plan source unreachable')).length, 0, 'too many files is not an outage');
});
