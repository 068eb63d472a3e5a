import type { ScheduleStore, PlanFile, SourceSnapshot } from '../../src/core/ports.js';
import { uniqueSuffix } from './unique.js';

/** A plan file as a source would read it. */
export function planFile(path: string, yaml: string): PlanFile {
  const bytes = new TextEncoder().encode(yaml);
  return { path, kind: 'file', size: bytes.length, bytes };
}

export function snapshot(files: PlanFile[], revision = 'rev1', pathExists = true): SourceSnapshot {
  return { revision, pathExists, files };
}

export function planYaml(fields: Record<string, string | number | boolean>): string {
  const base: Record<string, string | number | boolean> = { apiVersion: 'capsched/v1', kind: 'CapacityPlan', ...fields };
  return `${Object.entries(base)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join('\n')}\n`;
}

/** A unique installation id per test: tests share one dev server. */
export function newInstallation(prefix = 't'): string {
  return `${prefix}-${uniqueSuffix()}`;
}

export interface CountingStore extends ScheduleStore {
  calls: Record<string, number>;
  writes(): number;
  reset(): void;
}

/** Counts every call by method (writes = create + update + delete + cancelWorkflow). */
export function countingStore(inner: ScheduleStore): CountingStore {
  const calls: Record<string, number> = {};
  const count = (name: string): void => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  return {
    calls,
    writes: () => (calls.create ?? 0) + (calls.update ?? 0) + (calls.delete ?? 0) + (calls.cancelWorkflow ?? 0),
    reset: () => {
      for (const k of Object.keys(calls)) delete calls[k];
    },
    list: (i) => (count('list'), inner.list(i)),
    describe: (id) => (count('describe'), inner.describe(id)),
    create: (d) => (count('create'), inner.create(d)),
    update: (d) => (count('update'), inner.update(d)),
    delete: (id) => (count('delete'), inner.delete(id)),
    runningWindows: (id) => (count('runningWindows'), inner.runningWindows(id)),
    cancelWorkflow: (id, r) => (count('cancelWorkflow'), inner.cancelWorkflow(id, r)),
  };
}

/** Retries an assertion until it passes (visibility is eventually consistent). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
