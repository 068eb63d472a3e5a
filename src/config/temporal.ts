import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { registerSecret } from '../log/secrets.js';

export interface TemporalFlags {
  /** --address host:port (overrides TEMPORAL_ADDRESS / the profile). */
  address?: string;
  /** --namespace (overrides TEMPORAL_NAMESPACE / the profile). */
  namespace?: string;
  /** --profile of the envconfig TOML file (TEMPORAL_PROFILE). */
  profile?: string;
}

export interface TemporalSettings {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  address: string;
}

/**
 * Temporal connection settings the way Temporal's own tools read them: envconfig profiles
 * (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), then TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*; flags override both. Defaults: localhost:7233, "default".
 */
export function readTemporalSettings(env: NodeJS.ProcessEnv, flags: TemporalFlags = {}): TemporalSettings {
  const overrideEnvVars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (key.startsWith('TEMPORAL_') && value !== undefined) overrideEnvVars[key] = value;
  const loaded = loadClientConnectConfig({
    profile: flags.profile ?? env.TEMPORAL_PROFILE,
    overrideEnvVars,
    configSource: env.TEMPORAL_CONFIG_FILE !== undefined ? { path: env.TEMPORAL_CONFIG_FILE } : undefined,
  });
  const connectionOptions: NativeConnectionOptions = { ...loaded.connectionOptions };
  if (flags.address !== undefined) connectionOptions.address = flags.address;
  connectionOptions.address ??= 'localhost:7233';
  if (typeof connectionOptions.apiKey === 'string') registerSecret(connectionOptions.apiKey);
  const namespace = flags.namespace ?? loaded.namespace ?? 'default';
  return { connectionOptions, namespace, address: connectionOptions.address };
}

/** A plain local server's settings (the playground's dev server, tests): no TLS, no key. */
export function temporalSettingsAt(address: string, namespace = 'default'): TemporalSettings {
  return { connectionOptions: { address }, namespace, address };
}
