import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { schemaCommand, schemaFileState, SCHEMA_FILE } from '../../../src/cli/schema.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { CliIO } from '../../../src/cli/io.js';
import { planJsonSchema, planJsonSchemaText } from '../../../src/core/plan/json-schema.js';
import { CapacityPlan, VALID_TRUS } from '../../../src/core/plan/schema.js';
import { packageRoot } from '../../../src/paths.js';

function io(): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', env: {}, cwd: packageRoot() } as CliIO & { out: string; err: string };
  o.stdout = (t) => {
    o.out += t;
  };
  o.stderr = (t) => {
    o.err += t;
  };
  return o;
}

test('the committed schema/capacity-plan.schema.json is what the zod schema generates (run `capsched schema --write`)', () => {
  const committed = readFileSync(join(packageRoot(), SCHEMA_FILE), 'utf8');
  assert.equal(committed, planJsonSchemaText(), 'stale: run `node bin/capsched.js schema --write` and commit it');
});

test('the JSON Schema documents every field with its type, default and description', () => {
  const schema = planJsonSchema() as {
    properties: Record<string, { description?: string; default?: unknown; enum?: unknown[] }>;
    required: string[];
    additionalProperties: boolean;
  };
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(CapacityPlan.shape).sort());
  for (const [name, prop] of Object.entries(schema.properties)) assert.ok((prop.description ?? '').length > 10, `${name} has a description`);
  // `namespace` or `namespaces`, `trus` or `steps` (exactly one of each): cross-field rules, not `required`.
  assert.deepEqual(schema.required.sort(), ['apiVersion', 'kind', 'name']);
  const allOf = (schema as unknown as { allOf: { oneOf: { required: string[]; not: { required: string[] } }[] }[] }).allOf;
  assert.deepEqual(
    allOf.map((r) => r.oneOf.map((o) => [o.required, o.not.required])),
    [
      [
        [['cron'], ['at']],
        [['at'], ['cron']],
      ],
      [
        [['namespace'], ['namespaces']],
        [['namespaces'], ['namespace']],
      ],
      [
        [['trus'], ['steps']],
        [['steps'], ['trus']],
      ],
    ],
  );
  // A ramp needs a window end.
  assert.deepEqual((schema as unknown as { dependentSchemas: unknown }).dependentSchemas, {
    steps: { anyOf: [{ required: ['duration'] }, { required: ['until'] }] },
  });
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.properties.trus?.enum, [...VALID_TRUS]);
  // A step is { after, trus } with the same values and nothing else.
  const steps = schema.properties.steps as unknown as {
    type: string;
    minItems: number;
    items: { properties: { trus: { enum: number[] } }; required: string[]; additionalProperties: boolean };
  };
  assert.equal(steps.type, 'array');
  assert.equal(steps.minItems, 2);
  assert.deepEqual(steps.items.properties.trus.enum, [...VALID_TRUS]);
  assert.deepEqual(steps.items.required.sort(), ['after', 'trus']);
  assert.equal(steps.items.additionalProperties, false);
  assert.equal(schema.properties.timezone?.default, 'UTC');
  assert.equal(schema.properties.paused?.default, false);
});

test('capsched schema prints it; --check passes on the committed file; bad flags exit 2', async () => {
  const print = io();
  assert.equal(await schemaCommand([], print), 0);
  assert.equal(print.out, planJsonSchemaText());
  const check = io();
  assert.equal(await schemaCommand(['--check'], check), 0);
  assert.match(check.out, /up to date/);
  assert.equal(await schemaCommand(['--write', '--check'], io()), 2);
  assert.equal(await schemaCommand(['--nope'], io()), 2);
});

test('a stale or missing schema file is detected (what --check exits 1 on)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsched-schema-'));
  try {
    const file = join(dir, 'capacity-plan.schema.json');
    assert.equal(await schemaFileState(file), 'missing');
    writeFileSync(file, planJsonSchemaText().replace('"trus"', '"trusx"'));
    assert.equal(await schemaFileState(file), 'stale');
    writeFileSync(file, planJsonSchemaText());
    assert.equal(await schemaFileState(file), 'up-to-date');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
