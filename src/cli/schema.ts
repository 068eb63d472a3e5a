import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../core/errors.js';
import { planJsonSchemaText } from '../core/plan/json-schema.js';
import { packageRoot } from '../paths.js';
import type { Command } from './io.js';

/** Where the committed JSON Schema lives, relative to the package root. */
export const SCHEMA_FILE = 'schema/capacity-plan.schema.json';

export const SCHEMA_HELP = `usage: capsched schema [--write | --check]

Prints the JSON Schema of capacity plans, generated from capsched's zod schema. Editors use it
through the modeline  # yaml-language-server: $schema=../schema/capacity-plan.schema.json

  --write     write it to ${SCHEMA_FILE}
  --check     exit 1 when ${SCHEMA_FILE} is missing or stale
  -h, --help  show this help
`;

/** Compares a schema file with what the zod schema generates. */
export async function schemaFileState(file: string): Promise<'up-to-date' | 'missing' | 'stale'> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === undefined) return 'missing';
  return current === planJsonSchemaText() ? 'up-to-date' : 'stale';
}

export const schemaCommand: Command = async (argv, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        write: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.stderr(`capsched schema: ${err instanceof Error ? err.message : String(err)}\n\n${SCHEMA_HELP}`);
    return ExitCode.usage;
  }
  if (values.help) {
    io.stdout(SCHEMA_HELP);
    return ExitCode.ok;
  }
  if (values.write && values.check) {
    io.stderr('capsched schema: use --write or --check, not both\n');
    return ExitCode.usage;
  }
  const text = planJsonSchemaText();
  const file = join(packageRoot(), SCHEMA_FILE);
  if (values.write) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    io.stdout(`wrote ${SCHEMA_FILE}\n`);
    return ExitCode.ok;
  }
  if (values.check) {
    const state = await schemaFileState(file);
    if (state === 'up-to-date') {
      io.stdout(`${SCHEMA_FILE} is up to date\n`);
      return ExitCode.ok;
    }
    io.stderr(`${SCHEMA_FILE} is ${state}; run \`capsched schema --write\` and commit it\n`);
    return ExitCode.invalid;
  }
  io.stdout(text);
  return ExitCode.ok;
};
