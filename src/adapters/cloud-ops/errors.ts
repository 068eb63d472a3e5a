/**
 * gRPC status → CapschedError. The retry class comes from the status code alone; the one
 * documented exception is INVALID_ARGUMENT "nothing to change", which the client turns into a
 * no-op success before classification. Messages never carry the API key, a header or a request body.
 */
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { CapschedError, type RetryClass } from '../../core/errors.js';
import { scrub } from '../../log/secrets.js';

/** Stable error codes of the Cloud Ops adapter (documented in docs/cloud-ops.md). */
export const CloudOpsErrorCode = {
  /** API unreachable, UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL/UNKNOWN server errors. */
  unavailable: 'CLOUD_OPS_UNAVAILABLE',
  /** RESOURCE_EXHAUSTED: rate limit or too many concurrent operations. */
  rateLimited: 'CLOUD_OPS_RATE_LIMITED',
  /** FAILED_PRECONDITION / ABORTED: stale resource_version or the namespace changed meanwhile. */
  conflict: 'CLOUD_OPS_CONFLICT',
  /** Another capacity request on the namespace is still in progress. */
  requestInProgress: 'CLOUD_OPS_REQUEST_IN_PROGRESS',
  /** INVALID_ARGUMENT: e.g. a TRU value the namespace does not offer. */
  invalidArgument: 'CLOUD_OPS_INVALID_ARGUMENT',
  /** The plan's TRUs are not in GetNamespaceCapacityInfo's valid values or above its max available value (checked before UpdateNamespace). */
  trusNotOffered: 'CLOUD_OPS_TRUS_NOT_OFFERED',
  /** UNAUTHENTICATED: the API key is missing, invalid or expired. */
  unauthenticated: 'CLOUD_OPS_UNAUTHENTICATED',
  /** PERMISSION_DENIED: the key lacks Namespace Admin on the namespace. */
  permissionDenied: 'CLOUD_OPS_PERMISSION_DENIED',
  /** NOT_FOUND: unknown namespace or async operation. */
  notFound: 'CLOUD_OPS_NOT_FOUND',
  /** ALREADY_EXISTS: the async operation id was used before for a different request. */
  operationIdConflict: 'CLOUD_OPS_OPERATION_ID_CONFLICT',
  /** The async operation ended FAILED (failure_reason attached). */
  operationFailed: 'CLOUD_OPS_OPERATION_FAILED',
  /** The async operation was REJECTED (e.g. capacity unavailable in the region). */
  operationRejected: 'CLOUD_OPS_OPERATION_REJECTED',
  /** The async operation was CANCELLED. */
  operationCancelled: 'CLOUD_OPS_OPERATION_CANCELLED',
  /** The async operation did not finish within the wait timeout. */
  operationTimeout: 'CLOUD_OPS_OPERATION_TIMEOUT',
  /** The API answered with something capsched cannot use (e.g. UNIMPLEMENTED, no namespace). */
  protocol: 'CLOUD_OPS_PROTOCOL',
  /** Missing or invalid configuration (no API key, bad endpoint). */
  config: 'CLOUD_OPS_CONFIG',
} as const;

export type CloudOpsErrorCode = (typeof CloudOpsErrorCode)[keyof typeof CloudOpsErrorCode];

const BY_STATUS: Partial<Record<number, { code: CloudOpsErrorCode; retry: RetryClass; what: string }>> = {
  [GrpcStatus.UNAVAILABLE]: { code: CloudOpsErrorCode.unavailable, retry: 'transient', what: 'the Cloud Ops API is unavailable' },
  [GrpcStatus.DEADLINE_EXCEEDED]: { code: CloudOpsErrorCode.unavailable, retry: 'transient', what: 'the call timed out' },
  [GrpcStatus.INTERNAL]: { code: CloudOpsErrorCode.unavailable, retry: 'transient', what: 'the Cloud Ops API had an internal error' },
  [GrpcStatus.UNKNOWN]: { code: CloudOpsErrorCode.unavailable, retry: 'transient', what: 'the Cloud Ops API returned an unknown error' },
  [GrpcStatus.CANCELLED]: { code: CloudOpsErrorCode.unavailable, retry: 'transient', what: 'the call was cancelled' },
  [GrpcStatus.RESOURCE_EXHAUSTED]: { code: CloudOpsErrorCode.rateLimited, retry: 'transient', what: 'rate limited by the Cloud Ops API' },
  [GrpcStatus.ABORTED]: { code: CloudOpsErrorCode.conflict, retry: 'transient', what: 'the namespace changed concurrently' },
  [GrpcStatus.FAILED_PRECONDITION]: {
    code: CloudOpsErrorCode.conflict,
    retry: 'transient',
    what: 'the namespace changed since it was read (stale resource_version) or a request is in progress',
  },
  [GrpcStatus.INVALID_ARGUMENT]: { code: CloudOpsErrorCode.invalidArgument, retry: 'terminal', what: 'the Cloud Ops API rejected the request' },
  [GrpcStatus.OUT_OF_RANGE]: { code: CloudOpsErrorCode.invalidArgument, retry: 'terminal', what: 'the Cloud Ops API rejected the request' },
  [GrpcStatus.UNAUTHENTICATED]: {
    code: CloudOpsErrorCode.unauthenticated,
    retry: 'terminal',
    what: 'the Cloud Ops API key is invalid or expired (TEMPORAL_CLOUD_API_KEY)',
  },
  [GrpcStatus.PERMISSION_DENIED]: {
    code: CloudOpsErrorCode.permissionDenied,
    retry: 'terminal',
    what: 'the Cloud Ops API key lacks permission (needs Namespace Admin on the namespace)',
  },
  [GrpcStatus.NOT_FOUND]: { code: CloudOpsErrorCode.notFound, retry: 'terminal', what: 'not found' },
  [GrpcStatus.ALREADY_EXISTS]: {
    code: CloudOpsErrorCode.operationIdConflict,
    retry: 'terminal',
    what: 'the async operation id was already used for a different request',
  },
  [GrpcStatus.UNIMPLEMENTED]: { code: CloudOpsErrorCode.protocol, retry: 'terminal', what: 'the endpoint does not implement this Cloud Ops API method' },
};

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'details' in err;
}

export function grpcStatusName(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? String(code);
}

/**
 * Maps a failed call to a CapschedError. `subject` names what was asked for (namespace or
 * operation id) — never a header or the request body. The server's detail text is scrubbed.
 */
export function classifyCloudOpsError(err: unknown, method: string, subject: string): CapschedError {
  if (err instanceof CapschedError) return err;
  if (!isServiceError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return new CapschedError(CloudOpsErrorCode.unavailable, `Cloud Ops API ${method} for ${subject} failed: ${scrub(text)}`, {
      retry: 'transient',
      details: { method, subject },
    });
  }
  const known = BY_STATUS[err.code] ?? { code: CloudOpsErrorCode.protocol, retry: 'terminal' as const, what: 'unexpected Cloud Ops API status' };
  const statusName = grpcStatusName(err.code);
  const detail = scrub(String(err.details ?? '')).slice(0, 500);
  return new CapschedError(known.code, `Cloud Ops API ${method} for ${subject}: ${known.what} (${statusName}${detail === '' ? '' : `: ${detail}`})`, {
    retry: known.retry,
    details: { method, subject, grpcStatus: statusName },
  });
}

/** INVALID_ARGUMENT "nothing to change": the official CLIs treat it as success (tcld isNothingChangedErr). */
export function isNothingToChange(err: unknown): boolean {
  return isServiceError(err) && err.code === GrpcStatus.INVALID_ARGUMENT && /nothing to change/i.test(String(err.details ?? err.message));
}
