/**
 * Checks a built capsched image from its mounted root filesystem (scripts/test-image.sh makes the
 * mount): the image config (`podman image inspect`), its files, and its ENTRYPOINT started with
 * chroot as the image's USER, in its own PID namespace (tini is PID 1, as in a container), on the
 * host's network, against the project's own harness: a real `temporal server start-dev` and the
 * Cloud Ops simulator (dist/src/adapters/temporal-dev-server, dist/src/simulator). Needs root and
 * a built dist/ (`npx tsc -p tsconfig.json`).
 *
 *   node scripts/image-check.mjs --root DIR --inspect inspect.json --lockfile package-lock.json \
 *     --version 0.1.0 --source-label URL --plans-url file:///mnt --revision SHA --plan NAME --namespace NS
 *
 * Exits 0 when every check passed, 1 on the first failure (printed with what the daemon logged).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { freePort, startDevServer } from '../dist/src/adapters/temporal-dev-server/index.js';
import { startCloudOpsSimulator } from '../dist/src/simulator/index.js';

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string' },
    inspect: { type: 'string' },
    lockfile: { type: 'string' },
    version: { type: 'string' },
    'source-label': { type: 'string' },
    'plans-url': { type: 'string' },
    revision: { type: 'string' },
    plan: { type: 'string' },
    namespace: { type: 'string' },
    'base-size': { type: 'string' },
  },
});
for (const k of ['root', 'inspect', 'lockfile', 'version', 'source-label', 'plans-url', 'revision', 'plan', 'namespace']) {
  if (opt[k] === undefined) {
    console.error(`image-check: --${k} is required`);
    process.exit(2);
  }
}
const root = opt.root;
const started = Date.now();
const seconds = (from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;
const ok = (text) => console.log(`   ✓ ${text}`);
class CheckFailed extends Error {}
function check(condition, text) {
  if (!condition) throw new CheckFailed(text);
}
function equal(actual, expected, text) {
  check(JSON.stringify(actual) === JSON.stringify(expected), `${text}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const cleanups = [];
async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((err) => console.error(`image-check: cleanup: ${err.message}`));
}
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(signal === 'SIGTERM' ? 143 : 130));
  });
}

// ---- the image's config ----
const [image] = JSON.parse(readFileSync(opt.inspect, 'utf8'));
const config = image.Config ?? {};
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

function checkConfig() {
  const labels = image.Labels ?? config.Labels ?? {};
  const oci = (k) => labels[`org.opencontainers.image.${k}`];
  equal(oci('title'), 'capsched', 'label org.opencontainers.image.title');
  equal(oci('version'), opt.version, 'label org.opencontainers.image.version (build arg VERSION)');
  equal(oci('source'), opt['source-label'], 'label org.opencontainers.image.source (build arg SOURCE)');
  equal(oci('licenses'), pkg.license, 'label org.opencontainers.image.licenses (package.json license)');
  equal(oci('description'), pkg.description, 'label org.opencontainers.image.description (package.json description)');
  ok('OCI labels: title, version, source, licenses, description');
  // docs/production.md: "The numeric non-root user 10001:10001".
  equal(config.User, '10001:10001', 'USER');
  equal(config.Entrypoint, ['/usr/bin/tini', '--', 'node', 'bin/capsched.js', 'run'], 'ENTRYPOINT');
  check((config.Cmd ?? []).length === 0, `no CMD after the entrypoint, got ${JSON.stringify(config.Cmd)}`);
  equal(config.WorkingDir, '/app', 'WORKDIR');
  check(Object.keys(config.ExposedPorts ?? {}).includes('9464/tcp'), `EXPOSE 9464, got ${JSON.stringify(config.ExposedPorts)}`);
  const health = config.Healthcheck?.Test ?? image.Healthcheck?.Test;
  check(Array.isArray(health) && health[0] === 'CMD' && health.join(' ').includes('/healthz'), `HEALTHCHECK on /healthz, got ${JSON.stringify(health)}`);
  ok(`USER ${config.User}, ENTRYPOINT ${config.Entrypoint.join(' ')}, WORKDIR /app, EXPOSE 9464, HEALTHCHECK kept`);
  const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
  const base = opt['base-size'] === undefined ? '' : ` (base ${mb(Number(opt['base-size']))}, capsched's layers ${mb(image.Size - Number(opt['base-size']))})`;
  console.log(`   image size ${mb(image.Size)}${base}, ${(image.RootFS?.Layers ?? []).length} layers`);
  return health;
}

// ---- the image's files ----
function walk(dir, onFile) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, onFile);
    else onFile(path);
  }
}

function checkFiles() {
  const app = join(root, 'app');
  for (const path of ['src', 'test', 'bench', 'scripts', 'docs', 'tsconfig.json', '.git', '.venv', '.env', 'dist/test', 'dist/bench']) {
    check(!existsSync(join(app, path)), `/app/${path} is in the image (sources, tests, bench or local state must stay out)`);
  }
  for (const path of [
    'app/bin/capsched.js',
    'app/dist/src/main.js',
    'app/dist/workflow-bundle.js',
    'app/schema',
    'app/package.json',
    'usr/bin/tini',
    'usr/bin/git',
    'usr/bin/ssh',
  ]) {
    check(existsSync(join(root, path)), `/${path} is missing from the image`);
  }
  let distFiles = 0;
  walk(join(app, 'dist'), (path) => {
    distFiles += 1;
    const name = relative(app, path);
    check(!/\.(test|spec|bench)\.[cm]?js$/.test(name), `${name}: a test or bench file in the image`);
    check(!/(^|\/)(test|bench|fixtures)\//.test(name), `${name}: test or bench output in the image`);
    check(!/\.[cm]?ts$/.test(name) || name.endsWith('.d.ts'), `${name}: a TypeScript source in the image`);
  });
  ok(`/app: bin, dist (${distFiles} files, the prebuilt workflow bundle), schema, package.json; no src, test, bench, scripts or test output`);

  // Every installed package is a production one of the lockfile the image was built from.
  const lock = JSON.parse(readFileSync(opt.lockfile, 'utf8')).packages;
  const installed = [];
  const visit = (modules) => {
    if (!existsSync(modules)) return;
    for (const name of readdirSync(modules)) {
      if (name.startsWith('.')) continue;
      const dirs = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => join(modules, name, n)) : [join(modules, name)];
      for (const dir of dirs) {
        if (!lstatSync(dir).isDirectory()) continue;
        installed.push(relative(app, dir));
        visit(join(dir, 'node_modules'));
      }
    }
  };
  visit(join(app, 'node_modules'));
  const dev = installed.filter((p) => lock[p]?.dev === true);
  check(dev.length === 0, `devDependencies in the image: ${dev.join(', ')}`);
  const unknown = installed.filter((p) => lock[p] === undefined);
  check(unknown.length === 0, `packages in the image that package-lock.json does not have: ${unknown.join(', ')}`);
  const missing = Object.entries(lock).filter(([p, e]) => p.startsWith('node_modules/') && !e.dev && !e.optional && !e.devOptional && !installed.includes(p));
  check(missing.length === 0, `production packages missing from the image: ${missing.map(([p]) => p).join(', ')}`);
  // A devDependency may still be there when a production package depends on it too (the lockfile then does not mark it dev).
  const alsoProd = Object.keys(pkg.devDependencies ?? {}).filter((name) => installed.includes(`node_modules/${name}`));
  const why = alsoProd.map((name) => {
    const by = Object.entries(lock)
      .filter(([p, e]) => p.startsWith('node_modules/') && !e.dev && e.dependencies?.[name] !== undefined)
      .map(([p]) => p.slice('node_modules/'.length));
    check(by.length > 0, `devDependency ${name} is in the image, and no production package depends on it`);
    return `${name} (needed by ${by.slice(0, 3).join(', ')})`;
  });
  ok(
    `node_modules: ${installed.length} packages, all production ones of package-lock.json; no devDependency except ${why.length === 0 ? 'none' : why.join('; ')}`,
  );
}

// ---- running the image ----
const imageEnv = Object.fromEntries((config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

/**
 * Starts argv in the image as its USER: its own PID namespace (argv's first process is PID 1, as
 * in a container), chroot into the mounted root, only the image's ENV plus `env`, in WORKDIR.
 */
function inImage(argv, env = {}) {
  const pairs = Object.entries({ ...imageEnv, ...env }).map(([k, v]) => `${k}=${v}`);
  const child = spawn(
    'unshare',
    ['--pid', '--fork', '--kill-child', 'chroot', `--userspec=${config.User}`, root, '/usr/bin/env', '-i', '-C', config.WorkingDir, ...pairs, ...argv],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c.toString()));
  child.stderr.on('data', (c) => (stderr += c.toString()));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new CheckFailed(`${what}: not within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runToEnd(argv, env, ms, what) {
  const run = inImage(argv, env);
  const result = await within(run.exited, ms, what);
  return { ...result, stdout: run.stdout(), stderr: run.stderr() };
}

/** The processes whose parent is pid (from /proc/<pid>/stat). */
function childrenOf(pid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function statusOf(pid) {
  const fields = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0)
      fields[line.slice(0, i)] = line
        .slice(i + 1)
        .trim()
        .split(/\s+/);
  }
  return {
    ...fields,
    cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== ''),
  };
}

async function portFree(port) {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

async function main() {
  const health = checkConfig();
  checkFiles();

  // capsched's CLI, through tini, as `docker run --entrypoint` would run it.
  const cli = config.Entrypoint.slice(0, -1);
  let t = Date.now();
  const version = await runToEnd([...cli, '--version'], {}, 60_000, 'capsched --version');
  equal({ code: version.code, out: version.stdout.trim() }, { code: 0, out: opt.version }, `capsched --version (stderr: ${version.stderr.trim()})`);
  const help = await runToEnd([...cli, '--help'], {}, 60_000, 'capsched --help');
  check(
    help.code === 0 && /usage: capsched/.test(help.stdout) && /\brun\b/.test(help.stdout),
    `capsched --help: exit ${help.code}\n${help.stdout}${help.stderr}`,
  );
  const id = await runToEnd(['id', '-u'], {}, 30_000, 'id -u');
  equal(id.stdout.trim(), config.User.split(':')[0], 'id -u in the image');
  ok(`capsched --version (${opt.version}) and --help run in the image as ${config.User}: ${seconds(t)}`);

  // The project's harness: a real dev server (capsched's search attributes registered) and the simulator.
  t = Date.now();
  const devServer = await startDevServer();
  cleanups.push(() => devServer.stop());
  const apiKey = `image-check-${randomBytes(8).toString('hex')}`;
  const simulator = await startCloudOpsSimulator({ namespaces: [opt.namespace], apiKey, operationDelayMs: 500 });
  cleanups.push(() => simulator.stop());
  ok(`temporal server start-dev at ${devServer.address}, Cloud Ops simulator at ${simulator.address}: ${seconds(t)}`);

  // The image's listen address is 0.0.0.0:9464; on a machine where 9464 is taken, another port.
  const listenPort = (await portFree(9464)) ? 9464 : await freePort();
  const sdkPort = (await portFree(9465)) ? 9465 : await freePort();
  const env = {
    TEMPORAL_ADDRESS: devServer.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_CLOUD_ENDPOINT: simulator.address,
    TEMPORAL_CLOUD_API_KEY: apiKey,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    CAPSCHED_SOURCE: opt['plans-url'],
    ...(listenPort === 9464 ? {} : { CAPSCHED_LISTEN: `0.0.0.0:${listenPort}` }),
    ...(sdkPort === 9465 ? {} : { CAPSCHED_SDK_METRICS_LISTEN: `127.0.0.1:${sdkPort}` }),
  };

  // Beyond loopback without a webhook secret, `capsched run` refuses to start: exit 2 (docs/production.md).
  t = Date.now();
  const refused = await runToEnd(config.Entrypoint, env, 60_000, 'capsched run without CAPSCHED_WEBHOOK_SECRET');
  check(
    refused.code === 2 && /CAPSCHED_WEBHOOK_SECRET/.test(refused.stderr),
    `without CAPSCHED_WEBHOOK_SECRET: expected exit 2, got ${refused.code}\n${refused.stderr}`,
  );
  ok(`the entrypoint refuses 0.0.0.0 without CAPSCHED_WEBHOOK_SECRET (exit 2): ${seconds(t)}`);

  // The daemon, as `docker run -e … image` starts it.
  t = Date.now();
  const daemon = inImage([...config.Entrypoint, ...(config.Cmd ?? [])], { ...env, CAPSCHED_WEBHOOK_SECRET: randomBytes(16).toString('hex') });
  const logs = () => daemon.stderr().split('\n').slice(-40).join('\n');
  const base = `http://127.0.0.1:${listenPort}`;
  try {
    await within(
      (async () => {
        for (;;) {
          const res = await fetch(`${base}/readyz`).catch(() => undefined);
          const body = await res?.text();
          if (res?.status === 200) return body;
          if (daemon.child.exitCode !== null) throw new CheckFailed(`capsched run exited ${daemon.child.exitCode} before it was ready`);
          await new Promise((r) => setTimeout(r, 250));
        }
      })(),
      120_000,
      'capsched run ready (/readyz 200)',
    );
    ok(`capsched run is ready (/readyz 200): ${seconds(t)} after start`);
    equal((await fetch(`${base}/healthz`)).status, 200, '/healthz');
    if (listenPort === 9464) {
      const hc = await runToEnd(health.slice(1), {}, 30_000, 'the HEALTHCHECK command');
      equal(hc.code, 0, `the image's HEALTHCHECK command (${hc.stderr.trim()})`);
      ok(`/healthz 200; the image's HEALTHCHECK command exits 0`);
    } else
      console.log(
        `   ! port 9464 is taken on this machine: the daemon listens on ${listenPort}, so the HEALTHCHECK command (fixed to 9464) was not run; /healthz 200`,
      );

    // tini is PID 1 of the container's PID namespace; capsched is its child; both run as the image's user.
    const [tini] = childrenOf(daemon.child.pid);
    check(tini !== undefined, 'no process under unshare');
    const tiniStatus = statusOf(tini);
    equal(tiniStatus.cmdline.slice(0, 2), ['/usr/bin/tini', '--'], "the container's first process");
    equal(tiniStatus.NSpid?.at(-1), '1', 'tini is PID 1 in its PID namespace');
    const [node] = childrenOf(tini);
    check(node !== undefined, 'tini has no child process');
    const nodeStatus = statusOf(node);
    equal(nodeStatus.cmdline, ['node', 'bin/capsched.js', 'run'], "tini's child");
    const [uid, gid] = config.User.split(':');
    for (const [name, s] of [
      ['tini', tiniStatus],
      ['capsched', nodeStatus],
    ]) {
      equal(s.Uid, [uid, uid, uid, uid], `${name}'s uids (real, effective, saved, fs)`);
      equal(s.Gid, [gid, gid, gid, gid], `${name}'s gids`);
      check(
        (s.Groups ?? []).every((g) => g === gid),
        `${name}'s supplementary groups: ${s.Groups}`,
      );
    }
    ok(`tini is PID 1, capsched (node bin/capsched.js run) its child, both uid ${uid} gid ${gid}, never root`);

    // The plans repository was fetched (git, as the user, into /var/lib/capsched) and reconciled.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    check(
      metrics.includes(`capsched_last_applied_info{revision="${opt.revision}"} 1`),
      `/metrics does not show ${opt.revision} applied:\n${metrics
        .split('\n')
        .filter((l) => l.startsWith('capsched_last'))
        .join('\n')}`,
    );
    const connection = await Connection.connect({ address: devServer.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const installation = imageEnv.CAPSCHED_INSTALLATION ?? 'default';
    const scheduleId = `capsched.${installation}.${opt.plan}`;
    const schedule = await client.schedule.getHandle(scheduleId).describe();
    const attributes = schedule.searchAttributes ?? {};
    equal(attributes.CapschedCommit, [opt.revision], `schedule ${scheduleId}'s CapschedCommit`);
    equal(attributes.CapschedNamespace, [opt.namespace], `schedule ${scheduleId}'s CapschedNamespace`);
    const cache = join(root, 'var/lib/capsched');
    const owners = readdirSync(cache).map((n) => statSync(join(cache, n)).uid);
    check(
      owners.length > 0 && owners.every((o) => String(o) === uid),
      `the git cache in /var/lib/capsched: entries owned by ${owners.join(', ') || 'nothing'}`,
    );
    ok(`${opt['plans-url']} at ${opt.revision.slice(0, 12)} applied: schedule ${scheduleId} on the dev server; git cache written by uid ${uid}`);

    // The image's worker (the native core-bridge and the prebuilt workflow bundle, NODE_ENV=production)
    // runs a capacity change through Cloud Ops: `capsched change` from a second process in the image.
    t = Date.now();
    const change = await runToEnd([...cli, 'change', opt.namespace, '3', '--verify-delay', '1s', '--json'], env, 90_000, 'capsched change');
    check(change.code === 0, `capsched change ${opt.namespace} 3 in the image: exit ${change.code}\n${change.stdout}${change.stderr}`);
    const capacity = simulator.capacityOf(opt.namespace);
    equal({ mode: capacity.mode, trus: capacity.trus }, { mode: 'provisioned', trus: 3 }, `${opt.namespace}'s capacity on the simulator`);
    ok(`capsched change ${opt.namespace} 3: the image's worker raised it to 3 TRUs through Cloud Ops and verified it: ${seconds(t)}`);
    console.log(`   Cloud Ops simulator requests: ${JSON.stringify(simulator.requests())}`);

    // SIGTERM to the container's PID 1 (docker stop): tini passes it on, capsched drains and exits 0.
    t = Date.now();
    process.kill(tini, 'SIGTERM');
    const grace = 30; // CAPSCHED_SHUTDOWN_GRACE's default; nothing is in flight here
    const exit = await within(daemon.exited, (grace + 15) * 1000, 'exit after SIGTERM');
    equal(exit, { code: 0, signal: null }, 'exit after SIGTERM through tini (docs/production.md: "exits 0")');
    check(/daemon stopped/.test(daemon.stderr()), 'capsched logged "daemon stopped"');
    ok(`SIGTERM to tini: capsched drained and the container exited 0 in ${seconds(t)}`);
  } catch (err) {
    console.error(`   capsched run's last log lines:\n${logs()}`);
    throw err;
  }
}

try {
  await main();
  console.log(`   image checks passed in ${seconds(started)}`);
} catch (err) {
  console.error(
    `== image-check: ${err instanceof CheckFailed ? '' : 'error: '}${err instanceof Error ? (err instanceof CheckFailed ? err.message : err.stack) : String(err)}`,
  );
  process.exitCode = 1;
} finally {
  await cleanup();
}
