/**
 * Flags shared by the commands that run reconcile passes (`diff`, `apply`, `run`): where the
 * plans come from, whose schedules they are, the guards, and the Temporal connection.
 */
import { DEFAULT_TASK_QUEUE } from '../core/workflow-contract.js';
import { DEFAULT_INSTALLATION, checkInstallationId } from '../core/desired/schedule-id.js';
import { DEFAULT_MAX_PRUNE_SHARE } from '../core/diff/diff.js';

/** A bad flag or argument: the command prints it with its usage and exits with its usage code. */
export class UsageError extends Error {}

export const RECONCILE_OPTIONS = {
  source: { type: 'string' },
  branch: { type: 'string' },
  path: { type: 'string' },
  installation: { type: 'string' },
  'task-queue': { type: 'string' },
  'no-self-heal': { type: 'boolean', default: false },
  'allow-prune-all': { type: 'boolean', default: false },
  'max-prune-share': { type: 'string' },
  address: { type: 'string' },
  namespace: { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface ReconcileFlagValues {
  installation?: string | undefined;
  'task-queue'?: string | undefined;
  'max-prune-share'?: string | undefined;
}

/** Installation id, task queue and prune share from flags, then CAPSCHED_* env, then defaults. */
export function parseReconcileFlags(values: ReconcileFlagValues, env: NodeJS.ProcessEnv): { installation: string; taskQueue: string; maxPruneShare: number } {
  const installation = values.installation ?? env.CAPSCHED_INSTALLATION ?? DEFAULT_INSTALLATION;
  try {
    checkInstallationId(installation);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  let maxPruneShare = DEFAULT_MAX_PRUNE_SHARE;
  if (values['max-prune-share'] !== undefined) {
    maxPruneShare = Number(values['max-prune-share']);
    if (!Number.isFinite(maxPruneShare) || maxPruneShare < 0 || maxPruneShare > 1)
      throw new UsageError('--max-prune-share must be a number from 0 to 1, e.g. 0.5');
  }
  const taskQueue = values['task-queue'] ?? env.CAPSCHED_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  if (taskQueue.trim() === '') throw new UsageError('--task-queue must not be empty');
  return { installation, taskQueue, maxPruneShare };
}
