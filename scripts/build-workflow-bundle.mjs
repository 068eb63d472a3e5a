#!/usr/bin/env node
// Prebuilds the capacity workflows into dist/workflow-bundle.js (run after `tsc`; part of
// `npm run build`). The worker loads it instead of bundling at start-up. It must be built with the
// same @temporalio/worker version that runs it, and it points at the compiled JS (webpack cannot
// resolve the TypeScript sources' `.js` import suffixes).
import { writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const root = resolve(import.meta.dirname, '..');
const workflowsPath = join(root, 'dist/src/temporal/workflows/index.js');
if (!existsSync(workflowsPath)) {
  console.error(`build-workflow-bundle: ${workflowsPath} is missing; run tsc first`);
  process.exit(1);
}
const started = Date.now();
const quiet = { trace() {}, debug() {}, info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), log() {} };
const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
const out = join(root, 'dist/workflow-bundle.js');
writeFileSync(out, code);
console.log(`build-workflow-bundle: wrote ${out} (${(code.length / 1024 / 1024).toFixed(1)} MB) in ${Date.now() - started} ms`);
