/** Shared set-up for the Cloud Ops tests: a real simulator on an ephemeral port and a real client. */
import { Client as GrpcClient, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { createCloudOpsClient, type CloudOpsClient } from '../../../src/adapters/cloud-ops/index.js';
import { readCloudOpsSettings, type CloudOpsSettings } from '../../../src/config/cloud-ops.js';
import { CLOUD_API_VERSION, methodPath, requestSerializer, responseDeserializer, type CloudOpsMethod } from '../../../src/adapters/cloud-ops/wire.js';
import { startCloudOpsSimulator, type CloudOpsSimulator, type CloudOpsSimulatorOptions } from '../../../src/simulator/index.js';

export const API_KEY = 'tcld-test-key-7f3a9c2e1b';
export const NS = 'payments.a1b2c';

export interface Fixture {
  sim: CloudOpsSimulator;
  client: CloudOpsClient;
  settings: CloudOpsSettings;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startFixture(options: Partial<CloudOpsSimulatorOptions> = {}, env: NodeJS.ProcessEnv = {}): Promise<Fixture> {
  const sim = await startCloudOpsSimulator({ namespaces: [NS], apiKey: API_KEY, operationDelayMs: 150, ...options });
  const fullEnv: NodeJS.ProcessEnv = {
    TEMPORAL_CLOUD_API_KEY: API_KEY,
    TEMPORAL_CLOUD_ENDPOINT: sim.address,
    TEMPORAL_CLOUD_ALLOW_INSECURE: 'true',
    CAPSCHED_CLOUD_OPS_POLL_MIN: '10ms',
    CAPSCHED_CLOUD_OPS_POLL_MAX: '100ms',
    CAPSCHED_CLOUD_OPS_CALL_TIMEOUT: '5s',
    ...env,
  };
  const settings = readCloudOpsSettings(fullEnv);
  const client = createCloudOpsClient(settings);
  return {
    sim,
    client,
    settings,
    env: fullEnv,
    close: async () => {
      client.close();
      await sim.stop();
    },
  };
}

/**
 * A raw unary call with hand-made metadata, for asserting what the simulator answers to requests
 * the production client would never send.
 */
export function rawCall<T>(
  address: string,
  method: CloudOpsMethod,
  request: Record<string, unknown>,
  headers: Record<string, string> = { authorization: `Bearer ${API_KEY}`, 'temporal-cloud-api-version': CLOUD_API_VERSION },
): Promise<T> {
  const client = new GrpcClient(address, credentials.createInsecure());
  const md = new Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise<T>((resolve, reject) => {
    client.makeUnaryRequest<unknown, T>(
      methodPath(method),
      requestSerializer(method),
      responseDeserializer<T>(method),
      request,
      md,
      { deadline: Date.now() + 5000 },
      (err: ServiceError | null, value?: T) => {
        client.close();
        if (err) reject(err);
        else resolve(value as T);
      },
    );
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
