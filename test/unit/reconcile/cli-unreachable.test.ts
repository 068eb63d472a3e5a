import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../../src/adapters/temporal-dev-server/index.js';
import { applyCommand } from '../../../src/cli/apply.js';
import { diffCommand } from '../../../src/cli/diff.js';
import type { CliIO } from '../../../src/cli/io.js';
import { tempDir } from '../../support/git-repo.js';
import { planYaml } from '../../support/reconcile.js';

// Temporal unreachable is not a plan problem: the message names the address and exits 1, and does
// not send the user to `capsched validate`.

test('diff / apply with Temporal unreachable: "cannot connect to Temporal at …", exit 1, no plan blame', async () => {
  const dir = tempDir('capsched-unreachable-');
  mkdirSync(join(dir, 'schedules'));
  writeFileSync(
    join(dir, 'schedules', 'nightly.yaml'),
    planYaml({ name: 'nightly', namespace: 'payments.a1b2c', trus: 8, cron: '0 23 * * 1-5', duration: '3h' }),
  );
  const address = `127.0.0.1:${await freePort('127.0.0.1')}`; // nothing listens there
  for (const [command, extra] of [
    [diffCommand, []],
    [applyCommand, []],
    [diffCommand, ['--format', 'json']],
  ] as const) {
    let out = '';
    let err = '';
    const io: CliIO = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      env: { TEMPORAL_ADDRESS: address, CAPSCHED_LOG_LEVEL: 'silent' },
      cwd: dir,
    };
    const code = await command(['--source', dir, ...extra], io);
    assert.equal(code, 1, out + err);
    const text = out + err;
    assert.match(text, new RegExp(`cannot connect to Temporal at ${address.replace(/\./g, '\\.')} \\(namespace default\\)`));
    assert.match(text, /TEMPORAL_UNAVAILABLE/);
    assert.ok(!text.includes('capsched validate'), text);
    assert.ok(!text.includes('plans at'), text);
    if (extra.length > 0) assert.equal((JSON.parse(out) as { status: string }).status, 'failed');
    else assert.match(err, /^capsched: the schedules could not be read from Temporal; nothing was changed:/);
  }
});
