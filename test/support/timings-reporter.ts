/**
 * A node:test reporter for `CAPSCHED_TEST_TIMINGS=FILE node scripts/test.mjs` (docs/BENCHMARKS.md
 * "Test suite"): per test file, when it started and ended (wall clock, as the runner saw its
 * events) and its slowest top-level tests, written as JSON once the run ends. It reports no results:
 * scripts/test.mjs keeps the spec reporter on stdout beside it.
 */
interface TestEventData {
  file?: string;
  name?: string;
  nesting?: number;
  details?: { duration_ms?: number; type?: string };
}

interface FileTiming {
  startedMs: number;
  endedMs: number;
  tests: { name: string; ms: number }[];
  failed: number;
}

// node:test loads a reporter from its default export.
// oxlint-disable-next-line import/no-default-export
export default async function* timingsReporter(source: AsyncIterable<{ type: string; data?: TestEventData }>): AsyncGenerator<string> {
  const t0 = Date.now();
  const files = new Map<string, FileTiming>();
  for await (const event of source) {
    const d = event.data;
    if (d?.file === undefined || event.type === 'test:enqueue') continue;
    const now = Date.now();
    let f = files.get(d.file);
    if (f === undefined) {
      f = { startedMs: now, endedMs: now, tests: [], failed: 0 };
      files.set(d.file, f);
    }
    f.endedMs = now;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && d.nesting === 0 && d.name !== d.file) {
      f.tests.push({ name: d.name ?? '', ms: Math.round(d.details?.duration_ms ?? 0) });
      if (event.type === 'test:fail') f.failed++;
    }
  }
  const rows = [...files.entries()]
    .map(([file, f]) => ({
      file: file.replace(/^.*\/dist\//, ''),
      startS: (f.startedMs - t0) / 1000,
      wallS: (f.endedMs - f.startedMs) / 1000,
      testsS: f.tests.reduce((sum, t) => sum + t.ms, 0) / 1000,
      failed: f.failed,
      slowest: f.tests.sort((a, b) => b.ms - a.ms).slice(0, 3),
    }))
    .sort((a, b) => b.wallS - a.wallS);
  yield `${JSON.stringify({ totalS: (Date.now() - t0) / 1000, files: rows }, null, 1)}\n`;
}
