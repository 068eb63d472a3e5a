import { CapschedError } from '../../core/errors.js';
import type { Logger } from '../../log/index.js';
import type { WatchablePlanSource } from '../source/index.js';

export interface FolderPlanSourceOptions {
  root: string;
  path: string;
  logger?: Logger;
  debounceMs?: number;
}

// Interim: the folder reader (src/adapters/folder, H1) has not landed yet.
export function createFolderPlanSource(_options: FolderPlanSourceOptions): WatchablePlanSource {
  throw new CapschedError('source-folder-unavailable', 'folder sources are not available in this build yet; use a git repository');
}
