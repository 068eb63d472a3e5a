/**
 * The folder plan source (development): plans read from a local directory with the folder
 * reader (lstat, symlinks listed and never followed, size cap), and a chokidar watcher that asks
 * for a pass soon after a change. The revision is a content hash of the files.
 */
import { resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { SourceSnapshot } from '../../core/ports.js';
import { silentLogger, type Logger } from '../../log/index.js';
import { readPlanFolder } from './folder-reader.js';
import { normalisePlansPath } from '../git/read-commit.js';
import type { WatchablePlanSource } from './types.js';

export interface FolderPlanSourceOptions {
  root: string;
  /** Plans folder inside root. */
  path: string;
  logger?: Logger;
  /** Quiet time after the last change before onChange fires (default 300 ms). */
  debounceMs?: number;
  /** How long a file must stay the same size before it counts as written (default 200 ms). */
  writeStabilityMs?: number;
}

export function createFolderPlanSource(options: FolderPlanSourceOptions): WatchablePlanSource {
  const root = resolve(options.root);
  const plansPath = normalisePlansPath(options.path);
  const plansDir = resolve(root, plansPath);
  const logger = (options.logger ?? silentLogger()).child({ component: 'folder-source', root });
  const debounceMs = options.debounceMs ?? 300;

  return {
    kind: 'folder',
    describe: () => `folder ${root} ${plansPath === '' ? '.' : plansPath}/`,
    snapshot: async (): Promise<SourceSnapshot> => {
      const snapshot = await readPlanFolder(root, plansPath === '' ? '.' : plansPath);
      return { ...snapshot, meta: { ...snapshot.meta, source: 'folder' } };
    },
    watch: (onChange) => {
      let timer: NodeJS.Timeout | undefined;
      const fire = (event: string, path: string): void => {
        logger.debug({ event, path }, 'plan folder changed');
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          onChange();
        }, debounceMs);
      };
      // The plans folder recursively, plus the root itself (depth 0) so creating, deleting or
      // renaming the plans folder is noticed too.
      const watchers: FSWatcher[] = [
        watch(plansDir, {
          followSymlinks: false,
          ignoreInitial: true,
          awaitWriteFinish: { stabilityThreshold: options.writeStabilityMs ?? 200, pollInterval: 50 },
        }),
      ];
      if (plansDir !== root) watchers.push(watch(root, { followSymlinks: false, ignoreInitial: true, depth: 0 }));
      for (const w of watchers) {
        w.on('all', fire);
        w.on('error', (err) => logger.warn({ err }, 'plan folder watcher error'));
      }
      logger.info({ plansDir }, 'watching the plan folder');
      return async () => {
        if (timer !== undefined) clearTimeout(timer);
        await Promise.all(watchers.map((w) => w.close()));
      };
    },
  };
}
