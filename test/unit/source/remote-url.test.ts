import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBranchName } from '../../../src/adapters/git/git-source.js';
import { checkRemoteAddress, isRemoteAddress, redactRemoteAddress } from '../../../src/adapters/git/remote-url.js';
import { isCapschedError } from '../../../src/core/errors.js';

test('remote addresses: URL and scp-like forms are remote; local paths are not', () => {
  for (const remote of [
    'https://github.com/acme/plans.git',
    'ssh://git@github.com/acme/plans.git',
    'git@github.com:acme/plans.git',
    'file:///srv/plans.git',
    'git://host/plans',
  ]) {
    assert.equal(isRemoteAddress(remote), true, remote);
    assert.doesNotThrow(() => checkRemoteAddress(remote), remote);
  }
  for (const local of ['./plans', '/srv/plans.git', 'plans', 'C:/x']) assert.equal(isRemoteAddress(local), false, local);
});

test('remote addresses: option-like, foreign transports and embedded credentials are refused; logs never see a password', () => {
  const code = (fn: () => void): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (err) {
      return isCapschedError(err) ? err.code : 'other';
    }
  };
  assert.equal(
    code(() => checkRemoteAddress('--upload-pack=touch /tmp/x')),
    'source-url-invalid',
  );
  assert.equal(
    code(() => checkRemoteAddress('ext::sh -c touch% /tmp/x')),
    undefined,
    'not a URL form: git itself refuses ext:: (GIT_ALLOW_PROTOCOL)',
  );
  assert.equal(
    code(() => checkRemoteAddress('fd::17')),
    undefined,
  );
  assert.equal(
    code(() => checkRemoteAddress('ftp://host/x')),
    'source-url-invalid',
  );
  assert.equal(
    code(() => checkRemoteAddress('https://x-access-token:ghp_secret123@github.com/a/b.git')),
    'source-url-credentials',
  );
  assert.equal(
    code(() => checkRemoteAddress('https://user@github.com/a/b.git')),
    'source-url-credentials',
  );
  assert.equal(
    code(() => checkRemoteAddress('https://github.com/a/b.git\nfoo')),
    'source-url-invalid',
  );
  assert.equal(redactRemoteAddress('https://u:ghp_secret123@github.com/a/b.git'), 'https://github.com/a/b.git');
  assert.equal(redactRemoteAddress('ssh://git@github.com/a/b.git'), 'ssh://git@github.com/a/b.git');

  for (const bad of ['-x', '', 'a..b', 'a b', 'a:b', 'a~1', 'x.lock', '/a', 'a/', 'a@{1}'])
    assert.throws(() => checkBranchName(bad), /not a valid branch/, bad);
  for (const good of ['main', 'release/2026-12', 'feature_x']) assert.doesNotThrow(() => checkBranchName(good));
});
