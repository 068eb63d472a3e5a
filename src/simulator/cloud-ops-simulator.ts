/**
 * A Temporal Cloud Ops API simulator: a real grpc-js server for
 * `temporal.api.cloud.cloudservice.v1.CloudService` with the messages of @temporalio/proto.
 * GetNamespace, GetNamespaces, UpdateNamespace, GetAsyncOperation, GetNamespaceCapacityInfo and
 * GetCurrentIdentity are implemented; every other method answers UNIMPLEMENTED. Plain-text only (clients set
 * TEMPORAL_CLOUD_ALLOW_INSECURE=true).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Server, ServerCredentials, status, type Metadata, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { CapacityTarget } from '../core/ports.js';
import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import {
  API_VERSION_HEADER,
  AUTHORIZATION_HEADER,
  cloudServiceDefinition,
  identityv1,
  type CloudOpsMethod,
  type ReceivedRequest,
} from '../adapters/cloud-ops/wire.js';
import {
  SimulatedAccount,
  SimulatorError,
  apiVersionAtLeast,
  type CapacityChange,
  type NamespaceCapacitySnapshot,
  type OperationSnapshot,
  type SimulatedAccountOptions,
} from './cloud-ops-state.js';
import type { SimulatorFault } from './faults.js';

export interface CloudOpsSimulatorOptions extends SimulatedAccountOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The one accepted API key. Unset: any non-empty bearer token is accepted (the header is still required). */
  apiKey?: string;
  /**
   * Namespaces the key is Namespace Admin of. Unset: all. Calls about any other namespace (or its
   * operations) answer PERMISSION_DENIED, and GetNamespaces lists only these.
   */
  permittedNamespaces?: string[];
  /**
   * Namespaces the key may read but not change (Namespace Read/Write, not Admin): GetNamespace and
   * GetNamespaceCapacityInfo answer, UpdateNamespace answers PERMISSION_DENIED.
   */
  readOnlyNamespaces?: string[];
  /** The service account's name GetCurrentIdentity reports (default capsched-simulator). */
  identityName?: string;
  /** Requests per second accepted from the key (the real API: 40 per user, 80 per service account); beyond → RESOURCE_EXHAUSTED. Unset: no limit. */
  rateLimitPerSecond?: number;
  logger?: Logger;
}

/** One request as received (the authorization value is never kept). */
export interface RecordedRequest {
  method: string;
  at: string;
  namespace?: string;
  apiVersion?: string;
  /** The request message exactly as it arrived on the wire. */
  raw: Uint8Array;
  authorized: boolean;
}

export interface CloudOpsSimulator {
  /** host:port to give a client (TEMPORAL_CLOUD_ENDPOINT). */
  address: string;
  port: number;
  host: string;
  /** Every applied capacity change of a namespace, oldest first. */
  changes(namespace: string): CapacityChange[];
  capacityOf(namespace: string): NamespaceCapacitySnapshot;
  /** The namespace's full spec as a plain object. */
  specOf(namespace: string): Record<string, unknown>;
  operations(): OperationSnapshot[];
  injectFault(fault: SimulatorFault): void;
  clearFaults(): void;
  /** Simulates someone changing capacity in the Temporal Cloud UI. */
  setCapacityOutOfBand(namespace: string, target: CapacityTarget): CapacityChange;
  /** Request counts by method. */
  requests(): Record<string, number>;
  /** Every request received, oldest first. */
  requestLog(): RecordedRequest[];
  stop(): Promise<void>;
}

const IMPLEMENTED: CloudOpsMethod[] = [
  'GetNamespace',
  'GetNamespaces',
  'UpdateNamespace',
  'GetAsyncOperation',
  'GetNamespaceCapacityInfo',
  'GetCurrentIdentity',
];

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function header(md: Metadata, name: string): string | undefined {
  const v = md.get(name)[0];
  return v === undefined ? undefined : String(v);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startCloudOpsSimulator(options: CloudOpsSimulatorOptions): Promise<CloudOpsSimulator> {
  const log = (options.logger ?? silentLogger()).child({ component: 'cloud-ops-simulator' });
  const account = new SimulatedAccount({
    ...options,
    onChange: (namespace, change) => {
      log.info({ namespace, operationId: change.operationId, source: change.source, mode: change.target.mode, trus: change.trus }, 'capacity change applied');
      options.onChange?.(namespace, change);
    },
  });
  const rateWindow = { second: 0, count: 0 };
  function overRateLimit(): boolean {
    if (options.rateLimitPerSecond === undefined) return false;
    const second = Math.floor(Date.now() / 1000);
    if (second !== rateWindow.second) {
      rateWindow.second = second;
      rateWindow.count = 0;
    }
    rateWindow.count += 1;
    return rateWindow.count > options.rateLimitPerSecond;
  }
  const permitted = options.permittedNamespaces === undefined ? undefined : new Set(options.permittedNamespaces);
  const readOnly = new Set(options.readOnlyNamespaces ?? []);
  const expectedKey = options.apiKey === undefined || options.apiKey === '' ? undefined : digest(`Bearer ${options.apiKey}`);
  const counts: Record<string, number> = {};
  const log_: RecordedRequest[] = [];
  const host = options.host ?? '127.0.0.1';

  function authorized(md: Metadata): boolean {
    const value = header(md, AUTHORIZATION_HEADER);
    if (value === undefined || !/^Bearer\s+\S+/.test(value)) return false;
    return expectedKey === undefined || timingSafeEqual(digest(value), expectedKey);
  }

  /** A string field of a decoded request ('' when absent or not a string). */
  function stringField(value: unknown): string {
    return typeof value === 'string' ? value : '';
  }

  function namespaceOf(method: string, message: Record<string, unknown>): string | undefined {
    if (method === 'GetAsyncOperation') return account.operationNamespace(stringField(message.asyncOperationId));
    return typeof message.namespace === 'string' && message.namespace !== '' ? message.namespace : undefined;
  }

  type Handler = (received: ReceivedRequest<Record<string, unknown>>, apiVersion: string | undefined) => Record<string, unknown>;

  function unary(method: CloudOpsMethod, handle: Handler) {
    return (call: ServerUnaryCall<ReceivedRequest<Record<string, unknown>>, unknown>, callback: sendUnaryData<unknown>): void => {
      void (async () => {
        const received = call.request;
        const apiVersion = header(call.metadata, API_VERSION_HEADER);
        const namespace = namespaceOf(method, received.message);
        const ok = authorized(call.metadata);
        counts[method] = (counts[method] ?? 0) + 1;
        const entry: RecordedRequest = { method, at: new Date().toISOString(), raw: received.raw, authorized: ok };
        if (namespace !== undefined) entry.namespace = namespace;
        if (apiVersion !== undefined) entry.apiVersion = apiVersion;
        log_.push(entry);

        const fired = account.faults.takeCall(method, namespace);
        for (const fault of fired) if (fault.kind === 'latency') await delay(fault.latencyMs);
        if (fired.some((f) => f.kind === 'unavailable')) return callback({ code: status.UNAVAILABLE, details: 'simulated fault: service unavailable' });
        if (fired.some((f) => f.kind === 'resourceExhausted'))
          return callback({ code: status.RESOURCE_EXHAUSTED, details: 'simulated fault: rate limit exceeded' });
        if (!ok) return callback({ code: status.UNAUTHENTICATED, details: 'invalid or missing API key' });
        if (overRateLimit())
          return callback({ code: status.RESOURCE_EXHAUSTED, details: `rate limit of ${options.rateLimitPerSecond} requests per second exceeded` });
        if (permitted !== undefined && namespace !== undefined && !permitted.has(namespace) && account.hasNamespace(namespace)) {
          return callback({ code: status.PERMISSION_DENIED, details: `the API key has no Namespace Admin role on ${namespace}` });
        }
        if (method === 'UpdateNamespace' && namespace !== undefined && readOnly.has(namespace)) {
          return callback({ code: status.PERMISSION_DENIED, details: `the API key may read ${namespace} but has no Namespace Admin role on it` });
        }
        if (apiVersion === undefined) return callback({ code: status.INVALID_ARGUMENT, details: `the ${API_VERSION_HEADER} header is required` });
        if (method === 'GetNamespaceCapacityInfo' && !apiVersionAtLeast(apiVersion, [0, 11, 0])) {
          return callback({ code: status.INVALID_ARGUMENT, details: `GetNamespaceCapacityInfo requires ${API_VERSION_HEADER} v0.11.0 or later` });
        }
        let response: Record<string, unknown>;
        try {
          response = handle(received, apiVersion);
        } catch (err) {
          if (err instanceof SimulatorError) {
            log.debug({ method, namespace, code: err.code }, 'request refused');
            return callback({ code: err.code, details: err.message });
          }
          log.error({ method, err }, 'simulator handler failed');
          return callback({ code: status.INTERNAL, details: 'simulator internal error' });
        }
        if (fired.some((f) => f.kind === 'commitThenDrop'))
          return callback({ code: status.UNAVAILABLE, details: 'simulated fault: connection reset after the request was applied' });
        if (method === 'UpdateNamespace')
          log.info({ namespace, operationId: (response.asyncOperation as { id?: string } | undefined)?.id }, 'namespace update accepted');
        callback(null, response);
      })();
    };
  }

  const handlers: Record<CloudOpsMethod, Handler> = {
    GetNamespace: ({ message }, apiVersion) => ({
      namespace: account.namespaceMessage(stringField(message.namespace), { withCapacity: apiVersionAtLeast(apiVersion, [0, 10, 0]) }),
    }),
    GetNamespaces: ({ message }, apiVersion) => {
      const nameFilter = typeof message.name === 'string' && message.name !== '' ? message.name : undefined;
      const names = account.namespaceNames().filter((n) => (nameFilter === undefined || n === nameFilter) && (permitted === undefined || permitted.has(n)));
      const pageSize = Math.min(1000, Number(message.pageSize ?? 0) || 100);
      const start = message.pageToken ? Number(message.pageToken) : 0;
      if (!Number.isInteger(start) || start < 0) throw new SimulatorError(status.INVALID_ARGUMENT, 'invalid page_token');
      const page = names.slice(start, start + pageSize);
      const withCapacity = apiVersionAtLeast(apiVersion, [0, 10, 0]);
      return {
        namespaces: page.map((n) => account.namespaceMessage(n, { withCapacity })),
        nextPageToken: start + pageSize < names.length ? String(start + pageSize) : '',
      };
    },
    UpdateNamespace: ({ raw }, apiVersion) => ({ asyncOperation: account.updateNamespace(raw, apiVersion) }),
    GetAsyncOperation: ({ message }) => ({ asyncOperation: account.operationMessage(stringField(message.asyncOperationId)) }),
    GetNamespaceCapacityInfo: ({ message }) => ({ capacityInfo: account.capacityInfoMessage(stringField(message.namespace)) }),
    GetCurrentIdentity: () => {
      const Permission = identityv1.NamespaceAccess.Permission;
      const namespaceAccesses: Record<string, { permission: number }> = {};
      for (const n of account.namespaceNames()) {
        if (permitted !== undefined && !permitted.has(n)) continue;
        namespaceAccesses[n] = { permission: readOnly.has(n) ? Permission.PERMISSION_READ : Permission.PERMISSION_ADMIN };
      }
      return {
        serviceAccount: {
          id: 'sa-capsched-simulator',
          spec: {
            name: options.identityName ?? 'capsched-simulator',
            access: { accountAccess: { role: identityv1.AccountAccess.Role.ROLE_DEVELOPER }, namespaceAccesses },
          },
        },
      };
    },
  };

  const implementation: UntypedServiceImplementation = {};
  for (const method of IMPLEMENTED) implementation[method] = unary(method, handlers[method]);

  const server = new Server();
  server.addService(cloudServiceDefinition(), implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, boundPort) =>
      err ? reject(err) : resolve(boundPort),
    );
  });
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ address, namespaces: account.namespaceNames() }, 'cloud ops simulator listening');
  // Operations advance lazily on every request; this tick only makes the change log timely.
  const ticker = setInterval(() => account.advance(), 100);
  ticker.unref();

  return {
    address,
    port,
    host,
    changes: (namespace) => account.changes(namespace),
    capacityOf: (namespace) => account.capacityOf(namespace),
    specOf: (namespace) => account.specOf(namespace),
    operations: () => account.operations(),
    injectFault: (fault) => account.faults.add(fault),
    clearFaults: () => account.faults.clear(),
    setCapacityOutOfBand: (namespace, target) => account.setCapacityOutOfBand(namespace, target),
    requests: () => ({ ...counts }),
    requestLog: () => [...log_],
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(ticker);
        // tryShutdown waits for open sessions (a broken TLS client can hold one forever).
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
