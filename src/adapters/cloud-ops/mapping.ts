/** Proto messages ↔ capsched's port types. Pure functions, no I/O. */
import type { AsyncOperationState, AsyncOperationStatus, CapacityInfo, CapacityRequestState, CapacityTarget, NamespaceCapacity } from '../../core/ports.js';
import {
  durationToMs,
  identityv1,
  namespacev1,
  operationv1,
  timestampToIso,
  type AsyncOperation,
  type CapacitySpec,
  type Namespace,
  type NamespaceCapacityInfo,
  type NamespaceSpec,
} from './wire.js';

const RequestState = namespacev1.Capacity.Request.State;
const OperationState = operationv1.AsyncOperation.State;

/**
 * A FRESH CapacitySpec holding exactly one oneof member. Never mutate a decoded spec: setting
 * `onDemand` on a spec whose `provisioned` is set puts both on the wire and the receiver keeps
 * the last one (provisioned), so a revert would silently stay provisioned.
 */
export function capacitySpecFor(target: CapacityTarget): CapacitySpec {
  return target.mode === 'onDemand'
    ? namespacev1.CapacitySpec.create({ onDemand: namespacev1.CapacitySpec.OnDemand.create() })
    : namespacev1.CapacitySpec.create({ provisioned: namespacev1.CapacitySpec.Provisioned.create({ value: target.trus }) });
}

/** The target a CapacitySpec asks for, from its oneof discriminator. */
export function targetOfSpec(spec: CapacitySpec | null | undefined): CapacityTarget | undefined {
  if (spec === null || spec === undefined) return undefined;
  if (spec.spec === 'onDemand') return { mode: 'onDemand' };
  if (spec.spec === 'provisioned') return { mode: 'provisioned', trus: spec.provisioned?.value ?? 0 };
  return undefined;
}

/** Deep copy of the namespace's spec with only capacity_spec replaced (the read-modify-write body). */
export function specWithCapacity(current: Parameters<typeof namespacev1.NamespaceSpec.encode>[0], target: CapacityTarget): NamespaceSpec {
  const clone: NamespaceSpec = namespacev1.NamespaceSpec.decode(namespacev1.NamespaceSpec.encode(current).finish());
  (clone as { capacitySpec: unknown }).capacitySpec = capacitySpecFor(target);
  return clone;
}

const SearchAttributeType = namespacev1.NamespaceSpec.SearchAttributeType;

/** `Keyword` / `KeywordList` / … → the spec's SearchAttributeType (SEARCH_ATTRIBUTE_TYPE_KEYWORD, …). */
export function searchAttributeTypeOf(type: string): number {
  const key = `SEARCH_ATTRIBUTE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  const value = (SearchAttributeType as unknown as Record<string, number>)[key];
  if (value === undefined || value === SearchAttributeType.SEARCH_ATTRIBUTE_TYPE_UNSPECIFIED) throw new Error(`unknown search attribute type ${type}`);
  return value;
}

/** The spec's search attribute map as name → `KEYWORD`-style names (any type the enum knows). */
export function searchAttributesOfSpec(spec: { searchAttributes?: Record<string, unknown> | null } | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec?.searchAttributes ?? {}))
    out[name] = (SearchAttributeType as unknown as Record<number, string>)[value as number] ?? String(value);
  return out;
}

/** Deep copy of the namespace's spec with `added` (name → type) put into search_attributes; everything else as read. */
export function specWithSearchAttributes(
  current: Parameters<typeof namespacev1.NamespaceSpec.encode>[0],
  added: Readonly<Record<string, string>>,
): NamespaceSpec {
  const clone: NamespaceSpec = namespacev1.NamespaceSpec.decode(namespacev1.NamespaceSpec.encode(current).finish());
  const map: Record<string, number> = { ...(clone.searchAttributes as Record<string, number> | null | undefined) };
  for (const [name, type] of Object.entries(added)) map[name] = searchAttributeTypeOf(type);
  (clone as { searchAttributes: unknown }).searchAttributes = map;
  return clone;
}

function requestState(state: number | null | undefined): CapacityRequestState {
  switch (state) {
    case RequestState.STATE_CAPACITY_REQUEST_COMPLETED:
      return 'completed';
    case RequestState.STATE_CAPACITY_REQUEST_IN_PROGRESS:
      return 'inProgress';
    case RequestState.STATE_CAPACITY_REQUEST_FAILED:
      return 'failed';
    default:
      return 'unspecified';
  }
}

export function toNamespaceCapacity(ns: Namespace): NamespaceCapacity {
  const capacity = ns.capacity;
  const mode = capacity?.currentMode === 'onDemand' ? 'onDemand' : capacity?.currentMode === 'provisioned' ? 'provisioned' : 'unknown';
  const out: NamespaceCapacity = { namespace: ns.namespace ?? '', mode, resourceVersion: ns.resourceVersion ?? '' };
  if (mode === 'provisioned') out.currentTrus = capacity?.provisioned?.currentValue ?? 0;
  const req = capacity?.latestRequest;
  if (req !== null && req !== undefined) {
    const latest: NonNullable<NamespaceCapacity['latestRequest']> = { state: requestState(req.state) };
    if (req.asyncOperationId) latest.asyncOperationId = req.asyncOperationId;
    const target = targetOfSpec(req.spec as CapacitySpec | null | undefined);
    if (target !== undefined) latest.target = target;
    const start = timestampToIso(req.startTime);
    if (start !== undefined) latest.startTime = start;
    const end = timestampToIso(req.endTime);
    if (end !== undefined) latest.endTime = end;
    out.latestRequest = latest;
  }
  return out;
}

export function toCapacityInfo(namespace: string, info: NamespaceCapacityInfo | null | undefined): CapacityInfo {
  const provisioned = info?.modeOptions?.provisioned;
  const out: CapacityInfo = { namespace: info?.namespace || namespace, validTruValues: [...(provisioned?.validTruValues ?? [])].sort((a, b) => a - b) };
  if (provisioned?.maxAvailableTruValue !== undefined && provisioned.maxAvailableTruValue !== null) out.maxAvailableTruValue = provisioned.maxAvailableTruValue;
  if (info?.hasLegacyLimits !== undefined && info.hasLegacyLimits !== null) out.hasLegacyLimits = info.hasLegacyLimits;
  // mode_options.on_demand.aps_limit: proto3's unset double is 0, and on-demand never gives less than 500, so 0 = not reported.
  const apsLimit = info?.modeOptions?.onDemand?.apsLimit;
  if (typeof apsLimit === 'number' && apsLimit > 0) out.onDemandApsLimit = apsLimit;
  // stats.aps: absent message = no stats; zeros are an idle namespace's real figures.
  const aps = info?.stats?.aps;
  if (aps !== null && aps !== undefined) out.apsStats = { mean: aps.mean ?? 0, p90: aps.p90 ?? 0, p99: aps.p99 ?? 0 };
  return out;
}

export function operationState(state: number | null | undefined): AsyncOperationState {
  switch (state) {
    case OperationState.STATE_PENDING:
      return 'pending';
    case OperationState.STATE_IN_PROGRESS:
      return 'inProgress';
    case OperationState.STATE_FAILED:
      return 'failed';
    case OperationState.STATE_CANCELLED:
      return 'cancelled';
    case OperationState.STATE_FULFILLED:
      return 'fulfilled';
    case OperationState.STATE_REJECTED:
      return 'rejected';
    default:
      return 'unspecified';
  }
}

export function toOperationStatus(op: AsyncOperation): AsyncOperationStatus {
  const out: AsyncOperationStatus = { id: op.id ?? '', state: operationState(op.state) };
  if (op.failureReason) out.failureReason = op.failureReason;
  const check = durationToMs(op.checkDuration);
  if (check !== undefined && check > 0) out.checkDurationMs = check;
  return out;
}

/** One definition of both, in core (the workflows use them too). */
export { describeTarget, sameTarget } from '../../core/capacity/window.js';

/** Who the API key belongs to and what it may do (GetCurrentIdentity), reduced to what capsched needs. */
export interface CloudIdentity {
  principal: 'user' | 'serviceAccount' | 'unknown';
  /** The user's email or the service account's name (not a secret; never the key). */
  name?: string;
  /** Account role: owner, admin, developer, financeadmin, read, metricsread, unspecified. */
  accountRole: string;
  /** Namespace → admin / write / read. */
  namespaces: Record<string, string>;
}

type AccessLike =
  { accountAccess?: { role?: number | null } | null; namespaceAccesses?: Record<string, { permission?: number | null }> | null } | null | undefined;

export function toCloudIdentity(res: {
  user?: { spec?: { email?: string | null; access?: AccessLike } | null } | null;
  serviceAccount?: {
    spec?: {
      name?: string | null;
      access?: AccessLike;
      namespaceScopedAccess?: { namespace?: string | null; access?: { permission?: number | null } | null } | null;
    } | null;
  } | null;
}): CloudIdentity {
  const Role = identityv1.AccountAccess.Role as unknown as Record<number, string>;
  const Permission = identityv1.NamespaceAccess.Permission as unknown as Record<number, string>;
  const principal = res.user ? 'user' : res.serviceAccount ? 'serviceAccount' : 'unknown';
  const name = res.user?.spec?.email ?? res.serviceAccount?.spec?.name ?? undefined;
  const access = res.user?.spec?.access ?? res.serviceAccount?.spec?.access;
  const role = (Role[access?.accountAccess?.role ?? 0] ?? 'ROLE_UNSPECIFIED')
    .replace(/^ROLE_/, '')
    .replace(/_/g, '')
    .toLowerCase();
  const namespaces: Record<string, string> = {};
  const permission = (value: number | null | undefined): string =>
    (Permission[value ?? 0] ?? 'PERMISSION_UNSPECIFIED').replace(/^PERMISSION_/, '').toLowerCase();
  for (const [ns, a] of Object.entries(access?.namespaceAccesses ?? {})) namespaces[ns] = permission(a.permission);
  // A namespace-scoped service account carries its one namespace here instead.
  const scoped = res.serviceAccount?.spec?.namespaceScopedAccess;
  if (scoped?.namespace) namespaces[scoped.namespace] = permission(scoped.access?.permission);
  return { principal, ...(name ? { name } : {}), accountRole: role, namespaces };
}

/** May this identity change the namespace's spec (capacity, search attributes)? Owner/admin of the account, or Namespace Admin. */
export function mayAdminister(identity: CloudIdentity, namespace: string): boolean {
  return identity.accountRole === 'owner' || identity.accountRole === 'admin' || identity.namespaces[namespace] === 'admin';
}
