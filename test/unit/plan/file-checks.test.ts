import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPlans, MAX_FILE_BYTES } from '../../../src/core/plan/load.js';
import type { PlanFile } from '../../../src/core/ports.js';

// File-level problems that a YAML fixture cannot express: the kind of entry, its size and bytes,
// and problems spanning files. Each code here is listed in file-level-codes.ts for the docs check.

const PLAN = (name: string): string => `apiVersion: capsched/v1
kind: CapacityPlan
name: ${name}
namespace: payments.a1b2c
trus: 8
cron: "0 23 * * 1-5"
timezone: America/New_York
duration: 3h
`;

function file(path: string, text: string): PlanFile {
  const bytes = new TextEncoder().encode(text);
  return { path, kind: 'file', size: bytes.length, bytes };
}

function codes(files: PlanFile[]): string[] {
  return loadPlans(files).issues.map((i) => `${i.file} ${i.code} ${i.line}:${i.column}`);
}

test('symlinks, submodules and other entries are refused by kind, never read', () => {
  assert.deepEqual(codes([{ path: 's/link.yaml', kind: 'symlink', size: 0 }]), ['s/link.yaml file-symlink 1:1']);
  assert.deepEqual(codes([{ path: 's/sub', kind: 'submodule', size: 0 }]), ['s/sub file-submodule 1:1']);
  assert.deepEqual(codes([{ path: 's/fifo.yaml', kind: 'other', size: 0 }]), ['s/fifo.yaml file-not-regular 1:1']);
  // Even when bytes are (wrongly) present for a symlink, they are not parsed or echoed.
  const r = loadPlans([{ path: 's/link.yaml', kind: 'symlink', size: 10, bytes: new TextEncoder().encode('canary: SECRET-CANARY') }]);
  assert.ok(!JSON.stringify(r).includes('SECRET-CANARY'));
});

test('files over 1 MiB are refused from their size alone (bytes are never read)', () => {
  const r = loadPlans([{ path: 'big.yaml', kind: 'file', size: 100 * 1024 * 1024 }]);
  assert.deepEqual(
    r.issues.map((i) => i.code),
    ['file-too-large'],
  );
  assert.match(r.issues[0]!.message, /at most 1048576 bytes/);
  assert.deepEqual(codes([{ path: 'big.yaml', kind: 'file', size: MAX_FILE_BYTES + 1, bytes: new Uint8Array(MAX_FILE_BYTES + 1) }]), [
    'big.yaml file-too-large 1:1',
  ]);
  assert.deepEqual(codes([{ path: 'lost.yaml', kind: 'file', size: 10 }]), ['lost.yaml file-unreadable 1:1']);
});

test('non-UTF-8 bytes are refused with the line of the first bad byte', () => {
  const good = new TextEncoder().encode('apiVersion: capsched/v1\nname: ');
  const bytes = new Uint8Array([...good, 0xff, 0xfe, 0x0a]);
  assert.deepEqual(codes([{ path: 'latin1.yaml', kind: 'file', size: bytes.length, bytes }]), ['latin1.yaml file-not-utf8 2:7']);
});

test('several plans per file, one per YAML document; too many documents is refused', () => {
  const r = loadPlans([file('two.yaml', `${PLAN('one')}---\n${PLAN('two')}`)]);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(
    r.plans.map((p) => [p.plan.name, p.line, p.documentIndex]),
    [
      ['one', 1, 0],
      ['two', 10, 1],
    ],
  );
  assert.deepEqual(codes([file('many.yaml', 'a: 1\n---\n'.repeat(1001))]), ['many.yaml too-many-documents 1:1']);
});

test('duplicate plan names across files name both files', () => {
  const r = loadPlans([file('b.yaml', `# a comment\n${PLAN('nightly')}`), file('a.yaml', PLAN('nightly'))]);
  assert.deepEqual(r.plans, [], 'neither copy is used');
  assert.deepEqual(
    r.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.code} ${i.field}`),
    ['a.yaml:3:7 duplicate-name name', 'b.yaml:4:7 duplicate-name name'],
  );
  assert.match(r.issues[0]!.message, /also used in b\.yaml:2/);
  assert.match(r.issues[1]!.message, /also used in a\.yaml:1/);
});

test('a duplicate name is reported at once, even when one copy has other errors', () => {
  const r = loadPlans([file('a.yaml', PLAN('nightly')), file('b.yaml', PLAN('nightly').replace('trus: 8', 'trus: 5')), file('c.yaml', PLAN('Bad_Name'))]);
  assert.deepEqual(r.plans, [], 'the valid copy is not used either');
  assert.deepEqual(
    r.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.code}`),
    ['a.yaml:3:7 duplicate-name', 'b.yaml:3:7 duplicate-name', 'b.yaml:5:7 invalid-trus', 'c.yaml:3:7 invalid-name'],
  );
  assert.match(r.issues[0]!.message, /also used in b\.yaml:1/);
});

test('no files and empty files are warnings', () => {
  assert.deepEqual(
    loadPlans([], { plansPath: 'schedules' }).issues.map((i) => [i.code, i.severity, i.message]),
    [['no-plans', 'warning', 'no *.yaml or *.yml plan files found under schedules']],
  );
  assert.deepEqual(
    loadPlans([file('empty.yaml', '# nothing yet\n---\n')]).issues.map((i) => [i.code, i.severity]),
    [['empty-file', 'warning']],
  );
});

test('every problem in a document is reported at once', () => {
  const r = loadPlans([
    file(
      'bad.yaml',
      'apiVersion: capsched/v2\nkind: Plan\nname: Bad_Name\nnamespace: x\ntrus: 5\ncron: "0 0 L * *"\ntimezone: Mars/Olympus\nduration: -1h\nextra: 1\n',
    ),
  ]);
  assert.deepEqual(
    r.issues.map((i) => i.code),
    ['invalid-api-version', 'invalid-kind', 'invalid-name', 'invalid-trus', 'cron-unsupported', 'unknown-timezone', 'duration-not-positive', 'unknown-field'],
  );
  assert.deepEqual(
    r.issues.map((i) => i.line),
    [1, 2, 3, 5, 6, 7, 8, 9],
  );
});

test('a UTF-8 byte-order mark and CRLF line endings are fine; positions stay right', () => {
  const text = `\uFEFF${PLAN('windows-style').replace('trus: 8', 'trus: 5').replace(/\n/g, '\r\n')}`;
  const r = loadPlans([file('crlf.yaml', text)]);
  assert.deepEqual(
    r.issues.map((i) => `${i.code} ${i.line}:${i.column}`),
    ['invalid-trus 5:7'],
  );
  const ok = loadPlans([file('crlf.yaml', `\uFEFF${PLAN('windows-style').replace(/\n/g, '\r\n')}`)]);
  assert.deepEqual(ok.issues, []);
  assert.equal(ok.plans[0]?.plan.cron, '0 23 * * 1-5');
});
