import assert from 'node:assert/strict';
import { openSync, closeSync, ftruncateSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runValidate, tempDir } from './helpers.js';

test('a 100 MB plan file is refused from its size, quickly, without reading it', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'schedules'));
  const fd = openSync(join(dir, 'schedules', 'huge.yaml'), 'w');
  ftruncateSync(fd, 100 * 1024 * 1024);
  closeSync(fd);
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const r = await runValidate(['--now', '2026-12-01T00:00:00Z'], dir);
  const ms = performance.now() - start;
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^schedules\/huge\.yaml:1:1: error \[file-too-large\] is 104857600 bytes; plan files may be at most 1048576 bytes/m);
  assert.ok(ms < 1000, `took ${ms} ms`);
  assert.ok(process.memoryUsage().rss - rssBefore < 50 * 1024 * 1024, 'did not read the file into memory');
});
