/**
 * Startup benchmark of `capsched run` (the production path of the Docker image):
 * spawns `node bin/capsched.js run` against a Temporal dev server started here, polls /readyz
 * (worker polling + first reconcile pass done) and prints the milliseconds from process start to
 * ready, then the resident memory (VmRSS) after 10 s idle.
 *
 *   npm run build && node dist/bench/startup.js [runs=3] [idleSeconds=10]
 *
 * (`npm run build` = tsc + the prebuilt bundle; a bundle older than the compiled workflows is
 * ignored by the worker, so build both together.) Each run reports what was bundled at start.
 *
 * Targets (issue #7): ready within 3 s with the prebuilt bundle; idle RSS under 150 MB.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureTemporalCli, freePort, startDevServer } from '../src/adapters/temporal-dev-server/index.js';
import { packageRoot } from '../src/paths.js';
import { startCloudOpsSimulator } from '../src/simulator/index.js';

const runs = Number(process.argv[2] ?? 3);
const idleSeconds = Number(process.argv[3] ?? 10);
const root = packageRoot();

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function waitReady(url: string, deadlineMs: number): Promise<boolean> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const BUNDLING_MARK = 'capsched-bench: bundling workflows from';
const detector = join(mkdtempSync(join(tmpdir(), 'capsched-bench-detector-')), 'detect-bundling.cjs');
// Reports every workflow bundling at start (a stale or missing prebuilt bundle, or a worker that always bundles).
writeFileSync(
  detector,
  `const { createRequire } = require('node:module');
const { WorkflowCodeBundler } = createRequire(${JSON.stringify(`${root}/`)})('@temporalio/worker/lib/workflow/bundler.js');
const original = WorkflowCodeBundler.prototype.createBundle;
WorkflowCodeBundler.prototype.createBundle = function (...args) {
  process.stderr.write(${JSON.stringify(BUNDLING_MARK)} + ' ' + this.workflowsPath + '\\n');
  return original.apply(this, args);
};
`,
);
const bundle = join(root, 'dist', 'workflow-bundle.js');
console.log(`prebuilt workflow bundle: ${existsSync(bundle) ? bundle : 'MISSING (the worker bundles at start)'}`);
const server = await startDevServer({ binary: await ensureTemporalCli({ log: (m) => console.log(m) }) });
const simulator = await startCloudOpsSimulator({ namespaces: ['payments.a1b2c', 'checkout.b4c5d', 'ledger.q9r8s'], apiKey: 'bench-key' });
const plans = mkdtempSync(join(tmpdir(), 'capsched-bench-'));
cpSync(join(root, 'schedules'), join(plans, 'schedules'), { recursive: true });

const results: { readyMs: number; rssMb: number }[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const installation = `bench${Date.now().toString(36)}${i}`;
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        join(root, 'bin/capsched.js'),
        'run',
        '--source',
        plans,
        '--path',
        'schedules',
        '--installation',
        installation,
        '--listen',
        `127.0.0.1:${port}`,
        '--interval',
        '30s',
      ],
      {
        cwd: plans,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          NODE_ENV: 'production',
          NODE_OPTIONS: `--require ${detector}`,
          CAPSCHED_LOG_LEVEL: 'warn',
          TEMPORAL_ADDRESS: server.address,
          TEMPORAL_NAMESPACE: 'default',
          TEMPORAL_CLOUD_API_KEY: 'bench-key',
          TEMPORAL_CLOUD_ENDPOINT: simulator.address,
          TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
        },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ready = await waitReady(`http://127.0.0.1:${port}/readyz`, 60_000);
    const readyMs = Math.round(performance.now() - started);
    if (!ready) {
      child.kill('SIGKILL');
      throw new Error(`capsched run was not ready within 60 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const rss = rssMb(child.pid as number);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    results.push({ readyMs, rssMb: Math.round(rss * 10) / 10 });
    const bundled = stderr
      .split('\n')
      .filter((l) => l.startsWith(BUNDLING_MARK))
      .map((l) => l.slice(BUNDLING_MARK.length + 1).replace(`${root}/dist/src/`, ''));
    console.log(
      `run ${i + 1}: ready after ${readyMs} ms; RSS after ${idleSeconds} s idle ${rss.toFixed(1)} MB; exit ${code}; bundled at start: ${bundled.length === 0 ? 'nothing' : bundled.join(', ')}`,
    );
  }
} finally {
  rmSync(plans, { recursive: true, force: true });
  await simulator.stop();
  await server.stop();
}
const sorted = [...results].sort((a, b) => a.readyMs - b.readyMs);
const median = sorted[Math.floor(sorted.length / 2)];
const maxRss = Math.max(...results.map((r) => r.rssMb));
console.log(`median ready ${median?.readyMs} ms (target 3000), max idle RSS ${maxRss} MB (target 150)`);
