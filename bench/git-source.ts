/**
 * Git plan source figures: a repository with N plan files behind a bare remote; time of the
 * first snapshot (cache clone + read), of a snapshot with nothing new (fetch + read), and of a
 * snapshot after a one-file commit; peak RSS.
 *   npx tsc -p . && node dist/bench/git-source.js [plans=1000] [runs=5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlanSource } from '../src/adapters/source/index.js';
import { createBenchRepo, median } from './bench-repo.js';

const plans = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'capsched-bench-git-'));
  try {
    const repo = createBenchRepo(root, plans);
    const { remote } = repo;

    const first: number[] = [];
    const unchanged: number[] = [];
    const oneFile: number[] = [];
    for (let r = 0; r < runs; r++) {
      const source = createPlanSource({ source: remote, workDir: join(root, `cache-${r}`) });
      const [cold, snap] = await timed(() => source.snapshot());
      if (snap.files.length !== plans) throw new Error(`read ${snap.files.length} files`);
      first.push(cold);
      unchanged.push((await timed(() => source.snapshot()))[0]);
      repo.edit(r, 8);
      oneFile.push((await timed(() => source.snapshot()))[0]);
    }
    const ms = (v: number): string => `${v.toFixed(0)} ms`;
    console.log(`git source, ${plans} plan files, ${runs} runs (median)`);
    console.log(`  first snapshot (cache clone + read): ${ms(median(first))}`);
    console.log(`  unchanged (fetch + read):             ${ms(median(unchanged))}`);
    console.log(`  after a one-file commit:              ${ms(median(oneFile))}`);
    console.log(`  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
