export {
  applyChangeSet,
  MAX_APPLY_CONCURRENCY,
  type ApplyOptions,
  type ApplyResult,
  type AppliedAction,
  type ApplyError,
  type ApplyOutcome,
  type ApplyProgress,
} from './apply.js';
export { pool } from './pool.js';
