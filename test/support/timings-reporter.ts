/**
 * A node:test reporter for `CAPSCHED_TEST_TIMINGS=FILE node scripts/test.mjs` (docs/BENCHMARKS.md
 * "Test suite"): per test file, the sum of its top-level tests' durations (node:test's own
 * duration_ms; a file's imports and top-level set-up are not in it) and its slowest tests, written as
 * JSON once the run ends. Not wall times: the runner holds a file's events back while another file's
 * output is being reported, so when they arrive says little. It reports no results: scripts/test.mjs
 * keeps the spec reporter on stdout beside it.
 */
interface TestEventData {
  file?: string;
  name?: string;
  nesting?: number;
  details?: { duration_ms?: number; type?: string };
}

interface FileTiming {
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
    if (d?.file === undefined) continue;
    let f = files.get(d.file);
    if (f === undefined) {
      f = { tests: [], failed: 0 };
      files.set(d.file, f);
    }
    if ((event.type === 'test:pass' || event.type === 'test:fail') && d.nesting === 0 && d.name !== d.file) {
      f.tests.push({ name: d.name ?? '', ms: Math.round(d.details?.duration_ms ?? 0) });
      if (event.type === 'test:fail') f.failed++;
    }
  }
  const rows = [...files.entries()]
    .map(([file, f]) => ({
      file: file.replace(/^.*\/dist\//, ''),
      testsS: f.tests.reduce((sum, t) => sum + t.ms, 0) / 1000,
      failed: f.failed,
      slowest: f.tests.sort((a, b) => b.ms - a.ms).slice(0, 3),
    }))
    .sort((a, b) => b.testsS - a.testsS);
  yield `${JSON.stringify({ totalS: (Date.now() - t0) / 1000, files: rows }, null, 1)}\n`;
}
