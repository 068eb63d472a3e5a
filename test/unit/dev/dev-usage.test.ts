/** `capsched dev` refuses bad input before starting anything. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../../src/main.js';
import type { CliIO } from '../../../src/cli/io.js';
import { tempDir } from '../../support/git-repo.js';

function io(cwd: string): CliIO & { out: string; err: string } {
  const r = { out: '', err: '', env: {}, cwd, stdout: (t: string) => void (r.out += t), stderr: (t: string) => void (r.err += t) };
  return r;
}

test('a missing plans folder, a bad port, a bad duration or two folders are usage errors (exit 2)', async () => {
  const dir = tempDir('capsched-dev-usage-');
  let x = io(dir);
  assert.equal(await main(['dev'], x), 2);
  assert.match(x.err, /the plans folder .*schedules does not exist; create it \(mkdir\) or pass a folder/);
  x = io(dir);
  assert.equal(await main(['dev', '.', '--port', '99999'], x), 2);
  assert.match(x.err, /--port must be a port number/);
  x = io(dir);
  assert.equal(await main(['dev', '.', '--interval', 'soon'], x), 2);
  assert.match(x.err, /--interval "soon" is not a duration/);
  x = io(dir);
  assert.equal(await main(['dev', 'a', 'b'], x), 2);
  assert.match(x.err, /one plans folder at most/);
  x = io(dir);
  assert.equal(await main(['dev', '--help'], x), 0);
  assert.match(x.out, /usage: capsched dev \[dir\]/);
  assert.match(x.out, /--no-demo +no demo window/);
});
