import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPlanSource, readGitCredentials } from '../../../src/adapters/source/index.js';
import { isCapschedError } from '../../../src/core/errors.js';
import { createTestRepo, git, tempDir } from '../../support/git-repo.js';
import { serveBareRepo } from '../../support/git-http-server.js';

const TOKEN = 'CANARY-git-token-5f1d2c9a';

function readTree(dir: string): string {
  let all = '';
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes('/objects/')) continue;
    all += readFileSync(path, 'latin1');
  }
  return all;
}

test('HTTPS credentials go through GIT_ASKPASS: never in the URL, the cache config or errors; revocation is an auth error', async () => {
  const repo = createTestRepo();
  repo.write('schedules/a.yaml', 'name: a\n');
  const sha = repo.commit('one');
  git(repo.remote, 'update-server-info');
  const server = await serveBareRepo(repo.remote, { username: 'x-access-token', password: TOKEN });

  const credentials = readGitCredentials({ CAPSCHED_GIT_TOKEN: TOKEN });
  assert.ok(credentials);
  assert.equal(String(credentials.password), '[REDACTED]');
  const workDir = tempDir();
  const source = createPlanSource({ source: server.url, workDir, credentials });
  assert.equal(source.describe().includes(TOKEN), false);

  const snapshot = await source.snapshot();
  assert.equal(snapshot.revision, sha);
  assert.equal(JSON.stringify(snapshot).includes(TOKEN), false);
  // Nothing git wrote to disk (config, refs, logs, FETCH_HEAD, the askpass script) holds the token.
  assert.equal(readTree(workDir).includes(TOKEN), false);
  assert.equal(
    server.requests.some((r) => r.includes(TOKEN)),
    false,
  );

  // Without credentials git cannot prompt (GIT_TERMINAL_PROMPT=0): an auth error, not a hang.
  const anonymous = createPlanSource({ source: server.url, workDir: tempDir() });
  await assert.rejects(anonymous.snapshot(), (err) => isCapschedError(err) && err.code === 'source-auth-failed' && err.retry === 'terminal');

  // Revoke the token on the server: the next fetch is an auth error whose text holds no secret.
  server.accept.password = 'rotated-elsewhere';
  await assert.rejects(source.snapshot(), (err) => {
    assert.ok(isCapschedError(err));
    assert.equal(err.code, 'source-auth-failed');
    assert.equal(`${err.message}${err.stack}`.includes(TOKEN), false);
    return true;
  });
});
