#!/usr/bin/env node
// Prebuilds every worker's workflows (run after `tsc`; part of `npm run build`):
//   dist/workflow-bundle.js    the capacity workflows (src/temporal/workflows)
//   dist/reconciler-bundle.js  the per-installation reconciler workflow (src/temporal/workflows/reconciler.ts)
// Workers load these instead of bundling at start-up. A bundle must be built with the same
// @temporalio/worker version that runs it, and it points at the compiled JS (webpack cannot
// resolve the TypeScript sources' `.js` import suffixes).
import { writeFileSync, existsSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';

const { WORKFLOW_BUNDLES, bundlePath, workflowEntryPath } = await import('../dist/src/temporal/bundle.js');
const quiet = { trace() {}, debug() {}, info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), log() {} };

for (const name of Object.keys(WORKFLOW_BUNDLES)) {
  const workflowsPath = workflowEntryPath(name);
  if (!existsSync(workflowsPath)) {
    console.error(`build-workflow-bundle: ${workflowsPath} is missing; run tsc first`);
    process.exit(1);
  }
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  const out = bundlePath(name);
  writeFileSync(out, code);
  console.log(`build-workflow-bundle: wrote ${out} (${(code.length / 1024 / 1024).toFixed(1)} MB) in ${Date.now() - started} ms`);
}
