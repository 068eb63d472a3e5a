/**
 * The production Cloud Ops client: implements the CloudOps port over gRPC (@grpc/grpc-js) with the
 * messages from @temporalio/proto. No automatic retries here: each call is made once with a
 * deadline and failures become CapschedErrors with a retry class; the workflow's activity retry
 * policy decides what happens next.
 */
import { randomUUID } from 'node:crypto';
import { Client as GrpcClient, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { CapschedError } from '../../core/errors.js';
import type { AsyncOperationStatus, CapacityInfo, CapacityTarget, CloudOps, NamespaceCapacity, SetCapacityResult } from '../../core/ports.js';
import { trusNotOffered } from '../../core/capacity/offered.js';
import type { Logger } from '../../log/index.js';
import { silentLogger } from '../../log/index.js';
import type { CloudOpsSettings } from './settings.js';
import { classifyCloudOpsError, CloudOpsErrorCode, isNothingToChange } from './errors.js';
import {
  describeTarget,
  sameTarget,
  specWithCapacity,
  specWithSearchAttributes,
  toCapacityInfo,
  toCloudIdentity,
  type CloudIdentity,
  toNamespaceCapacity,
  toOperationStatus,
} from './mapping.js';
import {
  API_VERSION_HEADER,
  AUTHORIZATION_HEADER,
  CLOUD_API_VERSION,
  methodPath,
  requestSerializer,
  responseDeserializer,
  type AsyncOperation,
  type CloudOpsMethod,
  type Namespace,
  type NamespaceCapacityInfo,
} from './wire.js';

export interface CloudOpsClientOptions {
  logger?: Logger;
}

export interface WaitOptions {
  /** Give up (transient CLOUD_OPS_OPERATION_TIMEOUT) after this long. Default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called after every poll (e.g. to heartbeat an activity). Errors it throws end the wait. */
  onPoll?: (status: AsyncOperationStatus) => void;
}

/** The CloudOps port plus the raw reads the CLI needs, and close(). */
export interface CloudOpsClient extends CloudOps {
  /** The namespace as the API returns it (full spec, capacity, resource_version). */
  getNamespace(namespace: string): Promise<Namespace>;
  getOperation(operationId: string): Promise<AsyncOperationStatus>;
  waitForOperation(operationId: string, options?: WaitOptions): Promise<AsyncOperationStatus>;
  /**
   * Adds custom search attributes (name → type, e.g. `Keyword`) to the namespace spec: read,
   * modify, write with its resource_version, as an async operation. Existing ones are kept
   * (the API cannot delete one); a stale resource_version is re-read and retried a few times.
   */
  addSearchAttributes(namespace: string, attributes: Readonly<Record<string, string>>, operationId: string): Promise<AddSearchAttributesResult>;
  /** The key's principal and its roles (GetCurrentIdentity): checks the key and the API version without touching a namespace. */
  getCurrentIdentity(): Promise<CloudIdentity>;
  close(): void;
}

export interface AddSearchAttributesResult {
  operationId: string;
  /** Names sent (absent from the spec before). Empty: nothing to do, no request was made. */
  added: string[];
  operation?: AsyncOperationStatus;
}

export const DEFAULT_OPERATION_TIMEOUT_MS = 10 * 60_000;

type Responses = {
  GetNamespace: { namespace?: Namespace | null };
  GetNamespaces: { namespaces?: Namespace[] | null; nextPageToken?: string | null };
  UpdateNamespace: { asyncOperation?: AsyncOperation | null };
  GetAsyncOperation: { asyncOperation?: AsyncOperation | null };
  GetNamespaceCapacityInfo: { capacityInfo?: NamespaceCapacityInfo | null };
  GetCurrentIdentity: Parameters<typeof toCloudIdentity>[0];
};

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new CapschedError('CLOUD_OPS_ABORTED', 'waiting for the Cloud Ops operation was cancelled', { retry: 'transient' });
}

function validateTarget(target: CapacityTarget): void {
  if (target.mode === 'provisioned' && !(Number.isFinite(target.trus) && target.trus > 0)) {
    throw new CapschedError(CloudOpsErrorCode.invalidArgument, `provisioned capacity must be a positive number of TRUs, got ${String(target.trus)}`, {
      retry: 'terminal',
    });
  }
}

export function createCloudOpsClient(settings: CloudOpsSettings, options: CloudOpsClientOptions = {}): CloudOpsClient {
  const log = (options.logger ?? silentLogger()).child({ component: 'cloud-ops' });
  const channelCredentials = settings.allowInsecure ? credentials.createInsecure() : credentials.createSsl();
  const grpc = new GrpcClient(settings.endpoint, channelCredentials, {
    'grpc.primary_user_agent': 'capsched',
    // Transparent retries only resend calls that never reached the server; nothing else retries here.
    'grpc.enable_retries': 1,
  });

  function metadata(): Metadata {
    if (settings.apiKey === undefined) {
      throw new CapschedError(
        CloudOpsErrorCode.config,
        'TEMPORAL_CLOUD_API_KEY is not set: capsched needs a Temporal Cloud API key with Namespace Admin on the target namespaces',
        { retry: 'terminal' },
      );
    }
    const md = new Metadata();
    md.set(AUTHORIZATION_HEADER, `Bearer ${settings.apiKey.reveal()}`);
    md.set(API_VERSION_HEADER, CLOUD_API_VERSION);
    md.set('client-name', 'capsched');
    return md;
  }

  function call<M extends CloudOpsMethod>(method: M, request: Record<string, unknown>): Promise<Responses[M]> {
    return new Promise((resolve, reject) => {
      let md: Metadata;
      try {
        md = metadata();
      } catch (err) {
        reject(err);
        return;
      }
      grpc.makeUnaryRequest<unknown, Responses[M]>(
        methodPath(method),
        requestSerializer(method),
        responseDeserializer<Responses[M]>(method),
        request,
        md,
        { deadline: Date.now() + settings.callTimeoutMs },
        (err: ServiceError | null, value?: Responses[M]) => {
          if (err !== null) reject(err);
          else resolve(value ?? ({} as Responses[M]));
        },
      );
    });
  }

  /** call() with the failure classified into a CapschedError. */
  async function callClassified<M extends CloudOpsMethod>(method: M, request: Record<string, unknown>, subject: string): Promise<Responses[M]> {
    try {
      return await call(method, request);
    } catch (err) {
      throw classifyCloudOpsError(err, method, subject);
    }
  }

  async function getNamespace(namespace: string): Promise<Namespace> {
    const res = await callClassified('GetNamespace', { namespace }, `namespace ${namespace}`);
    if (res.namespace === null || res.namespace === undefined) {
      throw new CapschedError(CloudOpsErrorCode.protocol, `Cloud Ops API GetNamespace for namespace ${namespace} returned no namespace`, {
        retry: 'transient',
      });
    }
    return res.namespace;
  }

  async function getOperation(operationId: string): Promise<AsyncOperationStatus> {
    const res = await callClassified('GetAsyncOperation', { asyncOperationId: operationId }, `operation ${operationId}`);
    if (res.asyncOperation === null || res.asyncOperation === undefined) {
      throw new CapschedError(CloudOpsErrorCode.protocol, `Cloud Ops API GetAsyncOperation for operation ${operationId} returned no operation`, {
        retry: 'transient',
      });
    }
    return toOperationStatus(res.asyncOperation);
  }

  async function getCapacity(namespace: string): Promise<NamespaceCapacity> {
    return toNamespaceCapacity(await getNamespace(namespace));
  }

  async function getCapacityInfo(namespace: string): Promise<CapacityInfo> {
    const res = await callClassified('GetNamespaceCapacityInfo', { namespace }, `namespace ${namespace}`);
    return toCapacityInfo(namespace, res.capacityInfo);
  }

  /**
   * Before asking for provisioned capacity: is the value one the namespace offers now? A value
   * outside valid_tru_values, or above max_available_tru_value, fails terminally before any
   * UpdateNamespace. An API without the method (UNIMPLEMENTED) leaves the check to UpdateNamespace.
   */
  async function checkOffered(namespace: string, trus: number, fields: Record<string, unknown>): Promise<CapacityInfo | undefined> {
    let info: CapacityInfo;
    try {
      info = await getCapacityInfo(namespace);
    } catch (err) {
      if (err instanceof CapschedError && err.code === CloudOpsErrorCode.protocol) {
        log.warn({ ...fields, code: err.code }, 'GetNamespaceCapacityInfo unavailable; UpdateNamespace checks the TRUs itself');
        return undefined;
      }
      throw err;
    }
    const why = trusNotOffered(info, trus);
    if (why === undefined) return info;
    log.warn({ ...fields, validTruValues: info.validTruValues, maxAvailableTruValue: info.maxAvailableTruValue }, 'capacity change refused: TRUs not offered');
    throw new CapschedError(CloudOpsErrorCode.trusNotOffered, why, {
      retry: 'terminal',
      details: {
        namespace,
        trus,
        validTruValues: info.validTruValues,
        ...(info.maxAvailableTruValue === undefined ? {} : { maxAvailableTruValue: info.maxAvailableTruValue }),
      },
    });
  }

  async function setCapacity(namespace: string, target: CapacityTarget, operationId: string): Promise<SetCapacityResult> {
    validateTarget(target);
    if (operationId.trim() === '')
      throw new CapschedError(CloudOpsErrorCode.invalidArgument, 'setCapacity needs a non-empty operation id (stable across retries of one step)', {
        retry: 'terminal',
      });
    const ns = await getNamespace(namespace);
    const current = toNamespaceCapacity(ns);
    const fields = { namespace, operationId, target: describeTarget(target), resourceVersion: current.resourceVersion };

    // A retry of a step whose change was already accepted (e.g. the response was lost): the
    // namespace's latest capacity request carries our id. Return it; never send the change twice.
    if (current.latestRequest?.asyncOperationId === operationId) {
      log.info(fields, 'capacity change already accepted for this operation id');
      let operation: AsyncOperationStatus | undefined;
      try {
        operation = await getOperation(operationId);
      } catch (err) {
        if (!(err instanceof CapschedError && err.code === CloudOpsErrorCode.notFound)) throw err;
        const state = current.latestRequest.state;
        operation = {
          id: operationId,
          state: state === 'completed' ? 'fulfilled' : state === 'failed' ? 'failed' : state === 'inProgress' ? 'inProgress' : 'unspecified',
        };
      }
      return { operationId, noop: false, operation };
    }

    const inProgress = current.latestRequest?.state === 'inProgress';
    if (
      !inProgress &&
      sameTarget(
        current.mode === 'onDemand'
          ? { mode: 'onDemand' }
          : current.mode === 'provisioned'
            ? { mode: 'provisioned', trus: current.currentTrus ?? 0 }
            : undefined,
        target,
      )
    ) {
      log.info(fields, 'capacity already at target');
      return { operationId, noop: true };
    }
    if (inProgress) {
      throw new CapschedError(
        CloudOpsErrorCode.requestInProgress,
        `namespace ${namespace} has a capacity request in progress (operation ${current.latestRequest?.asyncOperationId ?? 'unknown'}); retry when it finishes`,
        { retry: 'transient', details: { namespace, inProgressOperationId: current.latestRequest?.asyncOperationId } },
      );
    }
    if (ns.spec === null || ns.spec === undefined) {
      throw new CapschedError(
        CloudOpsErrorCode.protocol,
        `Cloud Ops API GetNamespace for namespace ${namespace} returned no spec; refusing to send a partial spec`,
        { retry: 'terminal' },
      );
    }

    // The info read here goes back to the caller (the raise compares it with on-demand: no second read).
    const capacityInfo = target.mode === 'provisioned' ? await checkOffered(namespace, target.trus, fields) : undefined;

    const spec = specWithCapacity(ns.spec, target);
    try {
      const res = await call('UpdateNamespace', { namespace, spec, resourceVersion: ns.resourceVersion ?? '', asyncOperationId: operationId });
      const operation = res.asyncOperation ? toOperationStatus(res.asyncOperation) : undefined;
      log.info({ ...fields, operationState: operation?.state }, 'capacity change accepted');
      const result: SetCapacityResult = { operationId: operation?.id || operationId, noop: false };
      if (operation !== undefined) result.operation = operation;
      if (capacityInfo !== undefined) result.capacityInfo = capacityInfo;
      return result;
    } catch (err) {
      if (isNothingToChange(err)) {
        // The desired spec already asks for the target although the observed capacity differs
        // (e.g. after a failed request). Success as documented; verification shows the truth.
        log.warn(
          { ...fields, observedMode: current.mode, observedTrus: current.currentTrus },
          'API answered nothing to change although observed capacity differs',
        );
        return { operationId, noop: true };
      }
      const classified = classifyCloudOpsError(err, 'UpdateNamespace', `namespace ${namespace}`);
      log.warn({ ...fields, code: classified.code, retry: classified.retry }, 'capacity change refused');
      throw classified;
    }
  }

  async function waitForOperation(operationId: string, opts: WaitOptions = {}): Promise<AsyncOperationStatus> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let last: AsyncOperationStatus | undefined;
    let lastError: CapschedError | undefined;
    for (;;) {
      try {
        last = await getOperation(operationId);
        lastError = undefined;
      } catch (err) {
        const classified = classifyCloudOpsError(err, 'GetAsyncOperation', `operation ${operationId}`);
        if (classified.retry === 'terminal') throw classified;
        lastError = classified;
        log.warn({ operationId, code: classified.code }, 'polling the async operation failed; will poll again');
      }
      if (last !== undefined && lastError === undefined) {
        opts.onPoll?.(last);
        switch (last.state) {
          case 'fulfilled':
            return last;
          case 'failed':
            throw new CapschedError(
              CloudOpsErrorCode.operationFailed,
              `Cloud Ops operation ${operationId} failed: ${last.failureReason ?? 'no reason given'}`,
              {
                retry: 'terminal',
                details: { operationId, state: last.state, failureReason: last.failureReason },
              },
            );
          case 'rejected':
            throw new CapschedError(
              CloudOpsErrorCode.operationRejected,
              `Cloud Ops operation ${operationId} was rejected: ${last.failureReason ?? 'no reason given'}`,
              {
                retry: 'terminal',
                details: { operationId, state: last.state, failureReason: last.failureReason },
              },
            );
          case 'cancelled':
            throw new CapschedError(
              CloudOpsErrorCode.operationCancelled,
              `Cloud Ops operation ${operationId} was cancelled${last.failureReason ? `: ${last.failureReason}` : ''}`,
              {
                retry: 'terminal',
                details: { operationId, state: last.state, failureReason: last.failureReason },
              },
            );
          default:
            break;
        }
      }
      const interval = Math.min(settings.pollMaxMs, Math.max(settings.pollMinMs, last?.checkDurationMs ?? settings.pollMinMs));
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new CapschedError(
          CloudOpsErrorCode.operationTimeout,
          `Cloud Ops operation ${operationId} did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)}s` : `${timeoutMs}ms`} (last state ${last?.state ?? lastError?.code ?? 'unknown'})`,
          {
            retry: 'transient',
            details: { operationId, lastState: last?.state, timeoutMs },
          },
        );
      }
      await sleep(Math.min(interval, remaining), opts.signal);
    }
  }

  async function addSearchAttributes(namespace: string, attributes: Readonly<Record<string, string>>, operationId: string): Promise<AddSearchAttributesResult> {
    if (operationId.trim() === '')
      throw new CapschedError(CloudOpsErrorCode.invalidArgument, 'addSearchAttributes needs a non-empty operation id', { retry: 'terminal' });
    for (let attempt = 1; ; attempt++) {
      const ns = await getNamespace(namespace);
      if (ns.spec === null || ns.spec === undefined) {
        throw new CapschedError(
          CloudOpsErrorCode.protocol,
          `Cloud Ops API GetNamespace for namespace ${namespace} returned no spec; refusing to send a partial spec`,
          { retry: 'terminal' },
        );
      }
      const existing = ns.spec.searchAttributes ?? {};
      const added = Object.keys(attributes)
        .filter((name) => existing[name] === undefined)
        .sort();
      if (added.length === 0) return { operationId, added };
      const spec = specWithSearchAttributes(ns.spec, Object.fromEntries(added.map((name) => [name, attributes[name] as string])));
      const fields = { namespace, operationId, added, resourceVersion: ns.resourceVersion ?? '' };
      try {
        const res = await call('UpdateNamespace', { namespace, spec, resourceVersion: ns.resourceVersion ?? '', asyncOperationId: operationId });
        const operation = res.asyncOperation ? toOperationStatus(res.asyncOperation) : undefined;
        log.info({ ...fields, operationState: operation?.state }, 'search attributes update accepted');
        return { operationId: operation?.id || operationId, added, ...(operation === undefined ? {} : { operation }) };
      } catch (err) {
        const classified = classifyCloudOpsError(err, 'UpdateNamespace', `namespace ${namespace}`);
        // Someone changed the namespace between our read and write: read again (bounded).
        if (classified.code === CloudOpsErrorCode.conflict && attempt < 3) {
          log.info({ ...fields, attempt }, 'namespace changed since it was read; reading it again');
          continue;
        }
        log.warn({ ...fields, code: classified.code, retry: classified.retry }, 'search attributes update refused');
        throw classified;
      }
    }
  }

  async function getCurrentIdentity(): Promise<CloudIdentity> {
    return toCloudIdentity(await callClassified('GetCurrentIdentity', {}, 'the API key'));
  }

  return {
    getNamespace,
    getOperation,
    addSearchAttributes,
    getCurrentIdentity,
    getCapacity,
    getCapacityInfo,
    setCapacity,
    waitForOperation,
    close: () => grpc.close(),
  };
}

/** A fresh operation id for one logical capacity change (reuse it for every retry of that step). */
export function newOperationId(): string {
  return `capsched-${randomUUID()}`;
}
