/**
 * The simulated Temporal Cloud account: namespaces with a full NamespaceSpec, capacity, async
 * operations and a record of every applied capacity change. Time is read through `now()` and
 * operations advance lazily (on every request or inspection), so no timers need cleaning up.
 *
 * Choices the public sources leave open (documented in docs/cloud-ops.md):
 *  - stale resource_version and "capacity request in progress" → FAILED_PRECONDITION;
 *  - async_operation_id reused for a different namespace/spec → ALREADY_EXISTS;
 *  - a capacity_spec carrying both oneof members on the wire → INVALID_ARGUMENT (the real API
 *    would silently keep the last one; the simulator makes the client bug loud);
 *  - a failed/rejected/cancelled capacity request restores the previous capacity_spec.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { ApsStats, CapacityTarget } from '../core/ports.js';
import { onDemandApsFor } from '../core/capacity/throughput.js';
import { capacitySpecFor, describeTarget, sameTarget, targetOfSpec } from '../adapters/cloud-ops/mapping.js';
import {
  capacitySpecMembersOnWire,
  cloudservice,
  msToDuration,
  msToTimestamp,
  namespacev1,
  operationv1,
  resourcev1,
  type CapacitySpec,
  type NamespaceSpec,
} from '../adapters/cloud-ops/wire.js';
import { FaultBook, type OperationFault } from './faults.js';

export class SimulatorError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_VALID_TRU_VALUES = [2, 3, 4, 6, 8, 10, 12];
export const APS_PER_TRU = 500;

/** One applied capacity change, as a test sees it. */
export interface CapacityChange {
  /** When the change took effect (operation fulfilled or out-of-band change). */
  at: string;
  atMs: number;
  operationId: string;
  source: 'api' | 'out-of-band';
  target: CapacityTarget;
  /** Resulting provisioned TRUs; undefined when the namespace is on-demand. */
  trus?: number;
}

export type SimulatedOperationState = 'pending' | 'inProgress' | 'fulfilled' | 'failed' | 'rejected' | 'cancelled';

export interface OperationSnapshot {
  id: string;
  namespace: string;
  state: SimulatedOperationState;
  /** The capacity the operation asks for; undefined for an update that does not touch capacity. */
  target?: CapacityTarget;
  failureReason?: string;
  createdAt: string;
  finishedAt?: string;
}

export interface NamespaceCapacitySnapshot {
  mode: 'onDemand' | 'provisioned';
  trus?: number;
  resourceVersion: string;
  requestInProgress: boolean;
}

interface OperationRecord {
  id: string;
  namespace: string;
  fingerprint: string;
  request: Uint8Array;
  createdMs: number;
  pendingUntilMs: number;
  /** undefined: stuck in progress. */
  finishMs: number | undefined;
  outcome: 'fulfilled' | 'failed' | 'rejected' | 'cancelled';
  failureReason?: string;
  checkDurationMs: number;
  capacity?: { from: CapacityTarget; to: CapacityTarget; previousSpec: CapacitySpec | undefined };
  done: boolean;
  /** capacityLag fault: a FULFILLED capacity change takes effect (latest_request COMPLETED) this long after the operation finished. */
  settleLagMs?: number;
  /** The lagging change took effect. */
  settled?: boolean;
}

interface LatestRequest {
  state: 'inProgress' | 'completed' | 'failed';
  startMs: number;
  endMs?: number;
  operationId: string;
  target: CapacityTarget;
}

interface NamespaceRecord {
  name: string;
  resourceVersion: number;
  spec: NamespaceSpec;
  observed: CapacityTarget;
  latestRequest?: LatestRequest;
  state: 'active' | 'updating';
  asyncOperationId: string;
  createdMs: number;
  modifiedMs: number;
  changes: CapacityChange[];
  apsStats: ApsStats;
  onDemandApsLimit: number;
}

export interface SimulatedAccountOptions {
  namespaces: string[];
  /** Delay from an accepted change to FULFILLED (default 200 ms). PENDING for the first third. */
  operationDelayMs?: number;
  /** check_duration reported on operations (default a quarter of the delay, at least 10 ms). */
  checkDurationMs?: number;
  validTruValues?: number[];
  /** Inventory cap (default the largest valid value). */
  maxAvailableTruValue?: number;
  /** Starting capacity per namespace (default on-demand). */
  initialCapacity?: Record<string, CapacityTarget>;
  now?: () => number;
  /**
   * Keep the failed request's capacity_spec as the desired spec after a FAILED/REJECTED/CANCELLED
   * operation instead of restoring the previous one (the real API's behaviour is not public).
   * Then re-sending the same target is answered "nothing to change" although capacity differs.
   */
  keepSpecOnFailure?: boolean;
  /** Unfinished operations allowed at once (the real default is 10 per account); beyond → RESOURCE_EXHAUSTED. Unset: no limit. */
  maxConcurrentOperations?: number;
  /** Called for every applied capacity change (API or out-of-band). */
  onChange?: (namespace: string, change: CapacityChange) => void;
  /**
   * GetNamespaceCapacityInfo `stats.aps` per namespace (7-day mean, p90, p99 APS). Default
   * DEFAULT_APS_STATS for every namespace.
   */
  apsStats?: Record<string, ApsStats>;
  /**
   * GetNamespaceCapacityInfo `mode_options.on_demand.aps_limit` per namespace, and the APS limit
   * GetNamespace reports while it is on-demand. Default: the documented formula over its stats,
   * max(500, min(4 × mean, 2 × p90)) (500 for the default stats).
   */
  onDemandApsLimit?: Record<string, number>;
}

/** The 7-day APS stats every namespace reports unless told otherwise. */
export const DEFAULT_APS_STATS: ApsStats = { mean: 120, p90: 310, p99: 455 };

function encodeSpec(spec: NamespaceSpec | Parameters<typeof namespacev1.NamespaceSpec.encode>[0]): Uint8Array {
  return namespacev1.NamespaceSpec.encode(spec).finish();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A realistic seeded spec, so tests can prove that a capacity change preserves everything else. */
function seededSpec(name: string, capacity: CapacityTarget): NamespaceSpec {
  return namespacev1.NamespaceSpec.fromObject({
    name,
    regions: ['aws-us-east-1'],
    retentionDays: 30,
    apiKeyAuth: { enabled: true },
    codecServer: { endpoint: `https://codec.${name}.example.com`, passAccessToken: true, includeCrossOriginCredentials: false },
    searchAttributes: { CustomerId: 'SEARCH_ATTRIBUTE_TYPE_KEYWORD', OrderTotal: 'SEARCH_ATTRIBUTE_TYPE_DOUBLE' },
    lifecycle: { enableDeleteProtection: true },
    highAvailability: { disableManagedFailover: false },
    connectivityRuleIds: ['cr-public'],
    capacitySpec: namespacev1.CapacitySpec.toObject(capacitySpecFor(capacity)),
  });
}

function parseApiVersion(version: string | undefined): [number, number, number] | undefined {
  const m = version === undefined ? null : /^v(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** True when the header names a semver API version >= min (date-style versions predate capacity). */
export function apiVersionAtLeast(version: string | undefined, min: [number, number, number]): boolean {
  const v = parseApiVersion(version);
  if (v === undefined) return false;
  for (let i = 0; i < 3; i++) {
    if ((v[i] as number) !== min[i]) return (v[i] as number) > (min[i] as number);
  }
  return true;
}

export class SimulatedAccount {
  readonly validTruValues: number[];
  readonly maxAvailableTruValue: number;
  readonly operationDelayMs: number;
  readonly checkDurationMs: number;
  readonly faults = new FaultBook();
  readonly #now: () => number;
  readonly #onChange: ((namespace: string, change: CapacityChange) => void) | undefined;
  readonly #keepSpecOnFailure: boolean;
  readonly #maxConcurrentOperations: number;
  readonly #namespaces = new Map<string, NamespaceRecord>();
  readonly #operations = new Map<string, OperationRecord>();
  #outOfBand = 0;

  constructor(options: SimulatedAccountOptions) {
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
    this.#keepSpecOnFailure = options.keepSpecOnFailure ?? false;
    this.#maxConcurrentOperations = options.maxConcurrentOperations ?? Number.POSITIVE_INFINITY;
    this.validTruValues = [...(options.validTruValues ?? DEFAULT_VALID_TRU_VALUES)].sort((a, b) => a - b);
    this.maxAvailableTruValue = options.maxAvailableTruValue ?? Math.max(...this.validTruValues, 0);
    this.operationDelayMs = Math.max(0, options.operationDelayMs ?? 200);
    this.checkDurationMs = options.checkDurationMs ?? Math.max(10, Math.round(this.operationDelayMs / 4));
    const now = this.#now();
    for (const name of options.namespaces) {
      if (this.#namespaces.has(name)) continue;
      const capacity = options.initialCapacity?.[name] ?? { mode: 'onDemand' };
      this.#namespaces.set(name, {
        name,
        resourceVersion: 1,
        spec: seededSpec(name, capacity),
        observed: capacity,
        state: 'active',
        asyncOperationId: '',
        createdMs: now,
        modifiedMs: now,
        changes: [],
        apsStats: { ...(options.apsStats?.[name] ?? DEFAULT_APS_STATS) },
        onDemandApsLimit: options.onDemandApsLimit?.[name] ?? onDemandApsFor(options.apsStats?.[name] ?? DEFAULT_APS_STATS),
      });
    }
  }

  // ---------- time ----------

  /** Finishes every operation whose time has come, in order. Called before every read. */
  advance(): void {
    const now = this.#now();
    const due = [...this.#operations.values()]
      .filter((op) => !op.done && op.finishMs !== undefined && op.finishMs <= now)
      .sort((a, b) => (a.finishMs as number) - (b.finishMs as number));
    for (const op of due) this.#finish(op);
    const settling = [...this.#operations.values()]
      .filter((op) => op.done && op.settleLagMs !== undefined && op.settled !== true && (op.finishMs as number) + op.settleLagMs <= now)
      .sort((a, b) => (a.finishMs as number) + (a.settleLagMs as number) - ((b.finishMs as number) + (b.settleLagMs as number)));
    for (const op of settling) this.#settle(op);
  }

  #finish(op: OperationRecord): void {
    op.done = true;
    const ns = this.#namespaces.get(op.namespace);
    if (ns === undefined) return;
    const at = op.finishMs ?? this.#now();
    if (ns.asyncOperationId === op.id) ns.state = 'active';
    ns.modifiedMs = at;
    if (op.capacity === undefined) return;
    const latest = ns.latestRequest;
    const isLatest = latest?.operationId === op.id;
    if (op.outcome === 'fulfilled') {
      // capacityLag: the operation is FULFILLED, the capacity is still changing (advance() settles it later).
      if (op.settleLagMs !== undefined && op.settled !== true) return;
      ns.observed = op.capacity.to;
      ns.resourceVersion += 1;
      const change: CapacityChange = { at: new Date(at).toISOString(), atMs: at, operationId: op.id, source: 'api', target: op.capacity.to };
      if (op.capacity.to.mode === 'provisioned') change.trus = op.capacity.to.trus;
      ns.changes.push(change);
      this.#onChange?.(ns.name, { ...change });
      if (isLatest && latest !== undefined) {
        latest.state = 'completed';
        latest.endMs = at;
      }
    } else {
      ns.resourceVersion += 1;
      if (isLatest && latest !== undefined) {
        latest.state = 'failed';
        latest.endMs = at;
        // The desired capacity goes back to what it was: the request did not happen.
        if (!this.#keepSpecOnFailure) ns.spec.capacitySpec = op.capacity.previousSpec ?? null;
      }
    }
  }

  /** A lagging FULFILLED change takes effect: current capacity flips, latest_request COMPLETED. */
  #settle(op: OperationRecord): void {
    op.settled = true;
    const ns = this.#namespaces.get(op.namespace);
    if (ns === undefined || op.capacity === undefined) return;
    const at = (op.finishMs as number) + (op.settleLagMs as number);
    ns.observed = op.capacity.to;
    ns.resourceVersion += 1;
    ns.modifiedMs = at;
    const change: CapacityChange = { at: new Date(at).toISOString(), atMs: at, operationId: op.id, source: 'api', target: op.capacity.to };
    if (op.capacity.to.mode === 'provisioned') change.trus = op.capacity.to.trus;
    ns.changes.push(change);
    this.#onChange?.(ns.name, { ...change });
    const latest = ns.latestRequest;
    if (latest?.operationId === op.id) {
      latest.state = 'completed';
      latest.endMs = at;
    }
  }

  #stateOf(op: OperationRecord): SimulatedOperationState {
    if (op.done) return op.outcome;
    return this.#now() < op.pendingUntilMs ? 'pending' : 'inProgress';
  }

  // ---------- lookups ----------

  #namespace(name: string): NamespaceRecord {
    const ns = this.#namespaces.get(name);
    if (ns === undefined) throw new SimulatorError(status.NOT_FOUND, `namespace not found: ${name}`);
    return ns;
  }

  namespaceNames(): string[] {
    return [...this.#namespaces.keys()].sort();
  }

  hasNamespace(name: string): boolean {
    return this.#namespaces.has(name);
  }

  operationNamespace(id: string): string | undefined {
    return this.#operations.get(id)?.namespace;
  }

  // ---------- messages ----------

  namespaceMessage(name: string, options: { withCapacity: boolean }): Record<string, unknown> {
    this.advance();
    const ns = this.#namespace(name);
    const spec = namespacev1.NamespaceSpec.toObject(ns.spec) as Record<string, unknown>;
    if (!options.withCapacity) delete spec.capacitySpec;
    const message: Record<string, unknown> = {
      namespace: ns.name,
      resourceVersion: String(ns.resourceVersion),
      spec,
      stateDeprecated: ns.state === 'active' ? 'active' : 'updating',
      state: ns.state === 'active' ? resourcev1.ResourceState.RESOURCE_STATE_ACTIVE : resourcev1.ResourceState.RESOURCE_STATE_UPDATING,
      asyncOperationId: ns.asyncOperationId,
      endpoints: {
        webAddress: `https://cloud.temporal.io/namespaces/${ns.name}`,
        grpcAddress: `${ns.name}.tmprl.cloud:7233`,
        mtlsGrpcAddress: `${ns.name}.tmprl.cloud:7233`,
      },
      activeRegion: 'aws-us-east-1',
      limits: { actionsPerSecondLimit: ns.observed.mode === 'provisioned' ? ns.observed.trus * APS_PER_TRU : ns.onDemandApsLimit },
      createdTime: msToTimestamp(ns.createdMs),
      lastModifiedTime: msToTimestamp(ns.modifiedMs),
      tags: { team: 'platform' },
    };
    if (options.withCapacity) message.capacity = this.#capacityMessage(ns);
    return message;
  }

  #capacityMessage(ns: NamespaceRecord): Record<string, unknown> {
    const capacity: Record<string, unknown> = ns.observed.mode === 'provisioned' ? { provisioned: { currentValue: ns.observed.trus } } : { onDemand: {} };
    const req = ns.latestRequest;
    if (req !== undefined) {
      const State = namespacev1.Capacity.Request.State;
      const request: Record<string, unknown> = {
        state:
          req.state === 'completed'
            ? State.STATE_CAPACITY_REQUEST_COMPLETED
            : req.state === 'inProgress'
              ? State.STATE_CAPACITY_REQUEST_IN_PROGRESS
              : State.STATE_CAPACITY_REQUEST_FAILED,
        startTime: msToTimestamp(req.startMs),
        asyncOperationId: req.operationId,
        spec: namespacev1.CapacitySpec.toObject(capacitySpecFor(req.target)),
      };
      if (req.endMs !== undefined) request.endTime = msToTimestamp(req.endMs);
      capacity.latestRequest = request;
    }
    return capacity;
  }

  capacityInfoMessage(name: string): Record<string, unknown> {
    this.advance();
    const ns = this.#namespace(name);
    return {
      namespace: ns.name,
      hasLegacyLimits: false,
      currentCapacity: this.#capacityMessage(ns),
      modeOptions: {
        provisioned: { validTruValues: this.validTruValues, maxAvailableTruValue: this.maxAvailableTruValue },
        onDemand: { apsLimit: ns.onDemandApsLimit },
      },
      stats: { aps: { ...ns.apsStats } },
    };
  }

  operationMessage(id: string): Record<string, unknown> {
    this.advance();
    const op = this.#operations.get(id);
    if (op === undefined) throw new SimulatorError(status.NOT_FOUND, `async operation not found: ${id}`);
    const state = this.#stateOf(op);
    const State = operationv1.AsyncOperation.State;
    const code = {
      pending: State.STATE_PENDING,
      inProgress: State.STATE_IN_PROGRESS,
      fulfilled: State.STATE_FULFILLED,
      failed: State.STATE_FAILED,
      rejected: State.STATE_REJECTED,
      cancelled: State.STATE_CANCELLED,
    }[state];
    const message: Record<string, unknown> = {
      id: op.id,
      stateDeprecated: state === 'inProgress' ? 'in_progress' : state,
      state: code,
      checkDuration: msToDuration(op.checkDurationMs),
      operationType: 'UpdateNamespace',
      operationInput: { typeUrl: 'type.googleapis.com/temporal.api.cloud.cloudservice.v1.UpdateNamespaceRequest', value: op.request },
      startedTime: msToTimestamp(op.createdMs),
    };
    if (op.done && op.outcome !== 'fulfilled' && op.failureReason !== undefined) message.failureReason = op.failureReason;
    if (op.done && op.finishMs !== undefined) message.finishedTime = msToTimestamp(op.finishMs);
    return message;
  }

  // ---------- UpdateNamespace ----------

  /**
   * Validates and accepts an UpdateNamespace. `raw` is the request exactly as received.
   * `apiVersion` is the client's temporal-cloud-api-version header.
   */
  updateNamespace(raw: Uint8Array, apiVersion: string | undefined): Record<string, unknown> {
    this.advance();
    const request = cloudservice.UpdateNamespaceRequest.decode(raw);
    const ns = this.#namespace(request.namespace ?? '');
    if (request.spec === null || request.spec === undefined) throw new SimulatorError(status.INVALID_ARGUMENT, 'spec is required');
    const newSpec = namespacev1.NamespaceSpec.fromObject(namespacev1.NamespaceSpec.toObject(namespacev1.NamespaceSpec.decode(encodeSpec(request.spec))));
    const knowsCapacity = apiVersionAtLeast(apiVersion, [0, 10, 0]);
    if (!knowsCapacity) newSpec.capacitySpec = ns.spec.capacitySpec ?? null; // field unknown at that API version

    if (knowsCapacity && capacitySpecMembersOnWire(raw).length > 1) {
      throw new SimulatorError(status.INVALID_ARGUMENT, 'capacity_spec must set exactly one of on_demand or provisioned');
    }

    const operationId = request.asyncOperationId || randomUUID();
    const fingerprint = `${ns.name}/${hex(encodeSpec(newSpec))}`;
    const existing = this.#operations.get(operationId);
    if (existing !== undefined) {
      if (existing.fingerprint === fingerprint) return this.operationMessage(existing.id);
      throw new SimulatorError(status.ALREADY_EXISTS, `async_operation_id ${operationId} was already used for a different request`);
    }

    if (!request.resourceVersion) throw new SimulatorError(status.INVALID_ARGUMENT, 'resource_version is required');
    if (request.resourceVersion !== String(ns.resourceVersion)) {
      throw new SimulatorError(
        status.FAILED_PRECONDITION,
        `resource_version ${request.resourceVersion} is stale: namespace ${ns.name} has changed since it was read`,
      );
    }
    if (newSpec.name !== ns.spec.name) throw new SimulatorError(status.INVALID_ARGUMENT, 'spec.name is immutable');
    // The real API: "currently deleting a search attribute is not supported"; a type cannot change either.
    const oldAttributes = (ns.spec.searchAttributes ?? {}) as Record<string, number>;
    const newAttributes = (newSpec.searchAttributes ?? {}) as Record<string, number>;
    for (const [name, type] of Object.entries(oldAttributes)) {
      if (newAttributes[name] === undefined) throw new SimulatorError(status.INVALID_ARGUMENT, `search attribute ${name} cannot be deleted`);
      if (newAttributes[name] !== type) throw new SimulatorError(status.INVALID_ARGUMENT, `search attribute ${name} cannot change its type`);
    }
    for (const [name, type] of Object.entries(newAttributes)) {
      if (type === namespacev1.NamespaceSpec.SearchAttributeType.SEARCH_ATTRIBUTE_TYPE_UNSPECIFIED)
        throw new SimulatorError(status.INVALID_ARGUMENT, `search attribute ${name} needs a type`);
    }
    if (sameBytes(encodeSpec(newSpec), encodeSpec(ns.spec))) throw new SimulatorError(status.INVALID_ARGUMENT, 'nothing to change');

    const fromSpec = targetOfSpec(ns.spec.capacitySpec as CapacitySpec | null | undefined);
    const toSpec = targetOfSpec(newSpec.capacitySpec as CapacitySpec | null | undefined);
    if (fromSpec !== undefined && toSpec === undefined)
      throw new SimulatorError(status.INVALID_ARGUMENT, 'capacity_spec cannot be removed: set on_demand to return to on-demand capacity');
    const capacityChanges = toSpec !== undefined && !sameTarget(fromSpec, toSpec);
    if (capacityChanges && toSpec !== undefined) {
      if (ns.latestRequest?.state === 'inProgress') {
        throw new SimulatorError(
          status.FAILED_PRECONDITION,
          `capacity can be changed only when the last capacity request is not in progress (operation ${ns.latestRequest.operationId})`,
        );
      }
      if (toSpec.mode === 'provisioned') {
        if (!this.validTruValues.includes(toSpec.trus)) {
          throw new SimulatorError(
            status.INVALID_ARGUMENT,
            `invalid provisioned capacity ${toSpec.trus} TRU: valid values are ${this.validTruValues.join(', ')}`,
          );
        }
        if (toSpec.trus > this.maxAvailableTruValue) {
          throw new SimulatorError(
            status.INVALID_ARGUMENT,
            `provisioned capacity ${toSpec.trus} TRU is not available: at most ${this.maxAvailableTruValue} TRU can be provisioned now`,
          );
        }
      }
    }

    const running = [...this.#operations.values()].filter((o) => !o.done).length;
    if (running >= this.#maxConcurrentOperations) {
      throw new SimulatorError(status.RESOURCE_EXHAUSTED, `too many concurrent async operations (limit ${this.#maxConcurrentOperations})`);
    }

    const now = this.#now();
    const fault: OperationFault | undefined = capacityChanges ? this.faults.takeOperation(ns.name) : undefined;
    const op: OperationRecord = {
      id: operationId,
      namespace: ns.name,
      fingerprint,
      request: raw,
      createdMs: now,
      pendingUntilMs: now + Math.floor(this.operationDelayMs / 3),
      finishMs: fault?.kind === 'operationStuck' ? undefined : now + this.operationDelayMs,
      outcome: 'fulfilled',
      checkDurationMs: this.checkDurationMs,
      done: false,
    };
    if (fault?.kind === 'capacityLag') op.settleLagMs = Math.max(0, fault.lagMs);
    else if (fault !== undefined && fault.kind !== 'operationStuck') {
      op.outcome = fault.kind === 'operationFailed' ? 'failed' : fault.kind === 'operationCancelled' ? 'cancelled' : 'rejected';
      op.failureReason =
        fault.failureReason ??
        (fault.kind === 'capacityUnavailable'
          ? 'capacity unavailable: not enough TRU capacity in region aws-us-east-1'
          : fault.kind === 'operationFailed'
            ? 'internal error while provisioning capacity'
            : 'operation was ' + op.outcome);
    }
    if (capacityChanges && toSpec !== undefined) {
      const previous = ns.spec.capacitySpec
        ? namespacev1.CapacitySpec.fromObject(namespacev1.CapacitySpec.toObject(ns.spec.capacitySpec as CapacitySpec))
        : undefined;
      op.capacity = { from: ns.observed, to: toSpec, previousSpec: previous };
      ns.latestRequest = { state: 'inProgress', startMs: now, operationId, target: toSpec };
    }
    this.#operations.set(operationId, op);
    ns.spec = newSpec;
    ns.resourceVersion += 1;
    ns.state = 'updating';
    ns.asyncOperationId = operationId;
    ns.modifiedMs = now;
    return this.operationMessage(operationId);
  }

  // ---------- inspection and out-of-band changes ----------

  changes(name: string): CapacityChange[] {
    this.advance();
    return this.#namespace(name).changes.map((c) => ({ ...c }));
  }

  capacityOf(name: string): NamespaceCapacitySnapshot {
    this.advance();
    const ns = this.#namespace(name);
    const out: NamespaceCapacitySnapshot = {
      mode: ns.observed.mode,
      resourceVersion: String(ns.resourceVersion),
      requestInProgress: ns.latestRequest?.state === 'inProgress',
    };
    if (ns.observed.mode === 'provisioned') out.trus = ns.observed.trus;
    return out;
  }

  /** The namespace's spec as a plain object (proto field names in camelCase). */
  specOf(name: string): Record<string, unknown> {
    this.advance();
    return namespacev1.NamespaceSpec.toObject(this.#namespace(name).spec, { longs: String, enums: String }) as Record<string, unknown>;
  }

  operations(): OperationSnapshot[] {
    this.advance();
    return [...this.#operations.values()].map((op) => {
      const snap: OperationSnapshot = { id: op.id, namespace: op.namespace, state: this.#stateOf(op), createdAt: new Date(op.createdMs).toISOString() };
      if (op.capacity !== undefined) snap.target = op.capacity.to;
      if (op.done && op.failureReason !== undefined && op.outcome !== 'fulfilled') snap.failureReason = op.failureReason;
      if (op.done && op.finishMs !== undefined) snap.finishedAt = new Date(op.finishMs).toISOString();
      return snap;
    });
  }

  /** Someone changed capacity in the Temporal Cloud UI: applied at once, recorded as out-of-band. */
  setCapacityOutOfBand(name: string, target: CapacityTarget): CapacityChange {
    this.advance();
    const ns = this.#namespace(name);
    const now = this.#now();
    const operationId = `out-of-band-${++this.#outOfBand}`;
    ns.spec.capacitySpec = capacitySpecFor(target);
    ns.observed = target;
    ns.resourceVersion += 1;
    ns.modifiedMs = now;
    ns.latestRequest = { state: 'completed', startMs: now, endMs: now, operationId, target };
    const change: CapacityChange = { at: new Date(now).toISOString(), atMs: now, operationId, source: 'out-of-band', target };
    if (target.mode === 'provisioned') change.trus = target.trus;
    ns.changes.push(change);
    this.#onChange?.(ns.name, { ...change });
    return { ...change };
  }

  describe(name: string): string {
    const c = this.capacityOf(name);
    return describeTarget(c.mode === 'provisioned' ? { mode: 'provisioned', trus: c.trus ?? 0 } : { mode: 'onDemand' });
  }
}
