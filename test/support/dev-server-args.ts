/**
 * Extra flags for the dev server the tests share (scripts/test.mjs, or a file run on its own).
 * `temporal server start-dev` throttles visibility calls per namespace (about 100 a second after a
 * burst; measured: 200 concurrent schedule lists took 2.2 s, 0.4 s with these flags). Seventy test
 * files polling lists and counts on one namespace hit that limit, and the SDK retries throttled
 * calls with backoff: every `eventually` and every pass's list slowed down for nothing the product
 * does. Tests only: `capsched dev` starts its playground without them, as a user's server runs.
 */
export const SHARED_DEV_SERVER_ARGS: readonly string[] = [
  '--dynamic-config-value',
  'frontend.namespaceRPS.visibility=5000',
  '--dynamic-config-value',
  'frontend.namespaceBurstRatio.visibility=10',
];
