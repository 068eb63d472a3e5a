import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { CliIO } from '../../../src/cli/io.js';
import { validateCommand } from '../../../src/cli/validate.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh temporary folder, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'capsched-validate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `capsched validate` in-process with a fake CliIO rooted at `cwd`. */
export async function runValidate(argv: string[], cwd: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd,
  };
  const code = await validateCommand(argv, io);
  return { code, stdout, stderr };
}

export const NIGHTLY = `apiVersion: capsched/v1
kind: CapacityPlan
name: nightly-batch
namespace: payments.a1b2c
trus: 8
cron: "0 23 * * 1-5"
timezone: America/New_York
duration: 3h
`;
