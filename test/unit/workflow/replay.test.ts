/**
 * Determinism guard: every recorded history in test/unit/fixtures/histories (real runs on the dev
 * server with the simulator; regenerate with `node dist/test/server/workflow/record-histories.js`)
 * must replay against the current workflow code without a nondeterminism error.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { packageRoot } from '../../../src/paths.js';
import { quietRuntime, testBundle } from '../../support/workflow-bundle.js';

const dir = join(packageRoot(), 'test', 'unit', 'fixtures', 'histories');

/**
 * Proto3 JSON → History with the protobufjs copy that @temporalio/proto itself uses. (The SDK's
 * own historyFromJSON resolves a different nested protobufjs copy in this install and throws
 * "type must be a Type"; the CLI's JSON already uses canonical enum names, so no fix-ups are needed.)
 */
function historyFromCliJson(json: unknown): unknown {
  const fromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
  const { fromJson } = fromProto('protobufjs/ext/protojson') as { fromJson: (type: unknown, json: unknown, options: unknown) => unknown };
  const proto = fromProto('@temporalio/proto') as unknown;
  const { patchProtobufRoot } = fromProto('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot: (root: unknown) => { lookupType(name: string): unknown };
  };
  return fromJson(patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History'), json, { ignoreUnknownFields: true });
}

test('recorded histories of the window workflow and the coordinator replay deterministically', async () => {
  quietRuntime();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.ok(files.length >= 10, `expected the recorded fixtures, found ${files.length}`);
  const histories = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { workflowId: string; history: unknown });
  const types = new Set<string>();
  for (const h of histories) {
    const first = (h.history as { events: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }> }).events[0];
    types.add(first?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?');
  }
  assert.deepEqual([...types].sort(), ['capacityCoordinator', 'scheduledCapacityChange']);

  const failures: string[] = [];
  let replayed = 0;
  const decoded = histories.map((h) => ({ workflowId: h.workflowId, history: historyFromCliJson(h.history) as never }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: await testBundle() }, decoded)) {
    replayed++;
    if (result.error !== undefined) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.equal(replayed, histories.length);
  assert.deepEqual(failures, []);
});
