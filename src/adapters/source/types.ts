import type { PlanSource } from '../../core/ports.js';

/** A plan source that can also push change notifications (the folder source watches files). */
export interface WatchablePlanSource extends PlanSource {
  kind: 'git' | 'folder';
  /**
   * Calls onChange (debounced) when the source may have changed. Returns a stop function.
   * Git sources have no push channel and return a no-op (the daemon polls and takes webhooks).
   */
  watch(onChange: () => void): () => Promise<void>;
}
