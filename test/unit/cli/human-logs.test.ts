/**
 * One-shot commands talk to a person: no JSON log lines and no stacks on the terminal at the
 * default level for an expected error; warnings as one plain line; JSON logs come back with
 * --log-format json or an explicit CAPSCHED_LOG_LEVEL (the daemon always logs JSON).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CliIO } from '../../../src/cli/io.js';
import { cliLogger, humanLogLine, parseLogFormat } from '../../../src/cli/log.js';
import { CapschedError } from '../../../src/core/errors.js';

function io(env: NodeJS.ProcessEnv = {}): CliIO & { err: () => string } {
  let err = '';
  return { stdout: () => undefined, stderr: (t) => void (err += t), env, cwd: process.cwd(), err: () => err };
}

test('default text logs: an expected error (CapschedError) is left to the command, a warning is one plain line, an unexpected error has no stack', () => {
  const term = io();
  const log = cliLogger(term, 'text');
  log.error({ err: new CapschedError('SEARCH_ATTRIBUTES_MISSING', 'missing CapschedPlan') }, 'listing schedules failed');
  log.info({ plans: 3 }, 'pass started');
  assert.equal(term.err(), '', 'neither the expected error nor info reach the terminal');
  log.warn({ namespace: 'payments.a1b2c', trus: 8 }, 'plan overlaps another');
  assert.equal(term.err(), 'capsched: warning: plan overlaps another (namespace=payments.a1b2c, trus=8)\n');
  const boom = new TypeError('x is undefined');
  log.error({ err: boom }, 'pass crashed');
  const last = term.err().split('\n').at(-2) ?? '';
  assert.equal(last, 'capsched: error: pass crashed: x is undefined (CAPSCHED_LOG_LEVEL=debug shows the details)');
  assert.ok(!term.err().includes('{"level"'), 'no JSON');
  assert.ok(!/\n\s+at /.test(term.err()), 'no stack');
});

test('--log-format json, CAPSCHED_LOG_FORMAT=json and CAPSCHED_LOG_LEVEL give pino JSON lines; a bad format is a usage error', () => {
  assert.equal(parseLogFormat(undefined, {}), 'text');
  assert.equal(parseLogFormat('json', {}), 'json');
  assert.equal(parseLogFormat(undefined, { CAPSCHED_LOG_FORMAT: 'JSON' }), 'json');
  assert.throws(() => parseLogFormat('yaml', {}), /--log-format must be text or json/);
  assert.equal(humanLogLine('{"level":50,"msg":"listing schedules failed","err":{"type":"CapschedError","code":"TEMPORAL_ERROR","message":"m"}}'), undefined);
  assert.equal(humanLogLine('{"level":40,"msg":"slow","elapsedMs":1200}'), 'capsched: warning: slow (elapsedMs=1200)\n');
});
