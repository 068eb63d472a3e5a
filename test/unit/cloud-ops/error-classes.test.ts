import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, Metadata, type ServiceError } from '@grpc/grpc-js';
import { classifyCloudOpsError, isNothingToChange } from '../../../src/adapters/cloud-ops/index.js';
import { registerSecret } from '../../../src/log/index.js';

function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
}

test('retry class comes from the gRPC status code alone (documented table)', () => {
  const table: [status, string, 'transient' | 'terminal'][] = [
    [status.UNAVAILABLE, 'CLOUD_OPS_UNAVAILABLE', 'transient'],
    [status.DEADLINE_EXCEEDED, 'CLOUD_OPS_UNAVAILABLE', 'transient'],
    [status.INTERNAL, 'CLOUD_OPS_UNAVAILABLE', 'transient'],
    [status.RESOURCE_EXHAUSTED, 'CLOUD_OPS_RATE_LIMITED', 'transient'],
    [status.ABORTED, 'CLOUD_OPS_CONFLICT', 'transient'],
    [status.FAILED_PRECONDITION, 'CLOUD_OPS_CONFLICT', 'transient'],
    [status.INVALID_ARGUMENT, 'CLOUD_OPS_INVALID_ARGUMENT', 'terminal'],
    [status.UNAUTHENTICATED, 'CLOUD_OPS_UNAUTHENTICATED', 'terminal'],
    [status.PERMISSION_DENIED, 'CLOUD_OPS_PERMISSION_DENIED', 'terminal'],
    [status.NOT_FOUND, 'CLOUD_OPS_NOT_FOUND', 'terminal'],
    [status.ALREADY_EXISTS, 'CLOUD_OPS_OPERATION_ID_CONFLICT', 'terminal'],
    [status.UNIMPLEMENTED, 'CLOUD_OPS_PROTOCOL', 'terminal'],
  ];
  for (const [code, expected, retry] of table) {
    // The message text is deliberately misleading: it must not change the class.
    const err = classifyCloudOpsError(grpcError(code, 'please retry, temporarily unavailable'), 'GetNamespace', 'namespace ns.1');
    assert.equal(err.code, expected, status[code]);
    assert.equal(err.retry, retry, status[code]);
    assert.equal(err.details?.grpcStatus, status[code]);
  }
});

test('"nothing to change" is recognised only on INVALID_ARGUMENT; server text is scrubbed of secrets', () => {
  assert.equal(isNothingToChange(grpcError(status.INVALID_ARGUMENT, 'nothing to change')), true);
  assert.equal(isNothingToChange(grpcError(status.FAILED_PRECONDITION, 'nothing to change')), false);
  assert.equal(isNothingToChange(grpcError(status.INVALID_ARGUMENT, 'invalid TRU value')), false);
  registerSecret('leaky-secret-value-0042');
  const err = classifyCloudOpsError(grpcError(status.INTERNAL, 'boom leaky-secret-value-0042 Bearer abcdefghijkl'), 'UpdateNamespace', 'namespace ns.1');
  assert.ok(!err.message.includes('leaky-secret-value-0042'));
  assert.ok(!err.message.includes('abcdefghijkl'));
});
