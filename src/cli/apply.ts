/**
 * `capsched apply`: one reconcile pass (./reconcile-pass.ts) that writes the change set.
 * `capsched apply --dry-run` runs it without writing and exits as `capsched diff` does.
 */
import { ExitCode } from '../core/errors.js';
import type { ReconcileResult } from '../reconcile/index.js';
import { diffExit } from './diff.js';
import type { Command } from './io.js';
import { COMMON_HELP, runReconcile } from './reconcile-pass.js';

export const APPLY_HELP = `usage: capsched apply [options]

One reconcile pass: reads the plans, validates them as a whole, and creates, updates, pauses and
deletes this installation's Temporal Schedules to match. Nothing is applied from plans that do
not validate; schedules without capsched's marker and this installation's id are never touched.

  --dry-run               compute and print the change set, write nothing (same as \`capsched diff\`)
  --force                 apply reductions of running windows now instead of at their end: fewer TRUs,
                          an earlier end, and cancel the window of a deleted or paused plan (it reverts now)
${COMMON_HELP}

Each change is printed on stderr as it is made (not with --format json); the summary follows on stdout.

Exit status: 0 applied (or nothing to do), 1 invalid plans / a guard refused / a change failed,
2 usage error. With --dry-run: the exit status of \`capsched diff\`.
`;

function applyExit(result: ReconcileResult): number {
  return result.status === 'applied' || result.status === 'unchanged' ? ExitCode.ok : ExitCode.invalid;
}

export const applyCommand: Command = (argv, io) =>
  runReconcile(argv, io, {
    command: 'apply',
    help: APPLY_HELP,
    usageExit: ExitCode.usage,
    exit: (result, dryRun) => (dryRun ? diffExit(result) : applyExit(result)),
  });
