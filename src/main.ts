import { ExitCode } from './core/errors.js';
import { processIO, type CliIO, type Command } from './cli/io.js';

/** Each command lives in its own file under src/cli/ and is loaded only when used (fast start-up). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  init: {
    summary: "register capsched's search attributes on the Temporal namespace (--dry-run)",
    load: async () => (await import('./cli/init.js')).initCommand,
  },
  doctor: {
    summary: 'check everything capsched needs, one line each with the fix (exit 0 when nothing is ✗)',
    load: async () => (await import('./cli/doctor.js')).doctorCommand,
  },
  validate: { summary: 'check plan files (exit 0 valid, 1 invalid, 2 usage)', load: async () => (await import('./cli/validate.js')).validateCommand },
  schema: { summary: 'print or check the plan JSON Schema', load: async () => (await import('./cli/schema.js')).schemaCommand },
  diff: { summary: 'show what apply would change (exit 0 none, 2 changes, 1 error)', load: async () => (await import('./cli/diff.js')).diffCommand },
  apply: { summary: 'one reconcile pass: plans → Temporal Schedules', load: async () => (await import('./cli/apply.js')).applyCommand },
  run: { summary: 'the daemon: watch the source, reconcile, run the worker', load: async () => (await import('./cli/run.js')).runCommand },
  worker: { summary: 'run the capacity-change worker alone', load: async () => (await import('./cli/worker.js')).workerCommand },
  change: {
    summary: 'start a capacity change now (one namespace or a comma list), show each step as it happens, wait for the result',
    load: async () => (await import('./cli/change.js')).changeCommand,
  },
  capacity: { summary: "show a namespace's capacity from the Cloud Ops API", load: async () => (await import('./cli/capacity.js')).capacityCommand },
  status: { summary: 'the present per namespace: capacity, active windows, next window', load: async () => (await import('./cli/status.js')).statusCommand },
  report: {
    summary: 'pull-request report: what a change does to capacity (--comment github keeps the one PR comment)',
    load: async () => (await import('./cli/report.js')).reportCommand,
  },
  dev: { summary: 'local playground: dev server, simulator, worker, reconciler', load: async () => (await import('./cli/dev.js')).devCommand },
  'cloud-ops-simulator': {
    summary: 'serve the Temporal Cloud Ops API simulator',
    load: async () => (await import('./cli/cloud-ops-simulator.js')).cloudOpsSimulatorCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: capsched <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`capsched <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version') {
    const { packageRoot } = await import('./paths.js');
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
    io.stdout(`${pkg.version}\n`);
    return ExitCode.ok;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr(`capsched: unknown command "${name}"\n\n${usage()}`);
    return ExitCode.usage;
  }
  const command = await entry.load();
  return command(rest, io);
}
