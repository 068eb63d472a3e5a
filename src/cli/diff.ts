/**
 * `capsched diff`: the change set `capsched apply` would make, written nowhere: the same pass
 * (./reconcile-pass.ts) with nothing written.
 */
import { ExitCode } from '../core/errors.js';
import type { ReconcileResult } from '../reconcile/index.js';
import type { Command } from './io.js';
import { COMMON_HELP, runReconcile } from './reconcile-pass.js';

export const DIFF_HELP = `usage: capsched diff [options]

Shows what \`capsched apply\` would change, like \`terraform plan\`: + create, ~ update (before → after
per field), - delete, with each plan's next windows. Writes nothing.

${COMMON_HELP}

Where a Cloud Ops key exists (TEMPORAL_CLOUD_API_KEY), each plan's TRUs × 500 APS are compared with
its namespace's on-demand APS limit now and its 7-day p99 (one GetNamespaceCapacityInfo per
namespace): a plan that lowers throughput is marked !, with a right-size hint. Without a key it
says so in one line.

Running windows and permanent plans are compared too (a Live section): raises, extensions and late
starts are pending changes; reductions are held until the window's end (apply --force applies them).

Exit status: 0 no changes, 2 changes pending (schedules or running windows), 1 error (invalid plans, a guard refused, Temporal unreachable, usage).
`;

/** diff semantics: 0 nothing to change, 2 changes pending, 1 anything else. */
export function diffExit(result: ReconcileResult): number {
  if (result.status === 'unchanged') return ExitCode.ok;
  if (result.status === 'planned') return 2;
  return ExitCode.invalid;
}

export const diffCommand: Command = (argv, io) => runReconcile(argv, io, { command: 'diff', help: DIFF_HELP, usageExit: ExitCode.invalid, exit: diffExit });
