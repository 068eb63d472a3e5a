/**
 * The Cloud Ops API on the wire: the gRPC service `temporal.api.cloud.cloudservice.v1.CloudService`
 * with the messages from @temporalio/proto. Shared by the production client and the simulator so
 * both speak exactly the same bytes.
 */
import type { ServiceDefinition, MethodDefinition } from '@grpc/grpc-js';
import proto from '@temporalio/proto';

export const cloud = proto.temporal.api.cloud;
export const cloudservice = proto.temporal.api.cloud.cloudservice.v1;
export const namespacev1 = proto.temporal.api.cloud.namespace.v1;
export const operationv1 = proto.temporal.api.cloud.operation.v1;
export const resourcev1 = proto.temporal.api.cloud.resource.v1;
export const identityv1 = proto.temporal.api.cloud.identity.v1;

export const SERVICE_NAME = 'temporal.api.cloud.cloudservice.v1.CloudService';

/**
 * `temporal-cloud-api-version` sent on every call. Capacity fields need >= v0.10.0 and
 * GetNamespaceCapacityInfo >= v0.11.0; v0.17.0 is the version of the protos in @temporalio/proto
 * 1.24, so the server never sends or expects fields this client cannot round-trip.
 */
export const CLOUD_API_VERSION = 'v0.17.0';
export const API_VERSION_HEADER = 'temporal-cloud-api-version';
export const AUTHORIZATION_HEADER = 'authorization';
export const DEFAULT_CLOUD_OPS_ENDPOINT = 'saas-api.tmprl.cloud:443';

export type Namespace = proto.temporal.api.cloud.namespace.v1.Namespace;
export type NamespaceSpec = proto.temporal.api.cloud.namespace.v1.NamespaceSpec;
export type CapacitySpec = proto.temporal.api.cloud.namespace.v1.CapacitySpec;
export type Capacity = proto.temporal.api.cloud.namespace.v1.Capacity;
export type NamespaceCapacityInfo = proto.temporal.api.cloud.namespace.v1.NamespaceCapacityInfo;
export type AsyncOperation = proto.temporal.api.cloud.operation.v1.AsyncOperation;

/** Minimal view of a protobufjs reflection message type (encode/decode/fromObject). */
export interface MessageType<T = unknown> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
  fromObject(object: Record<string, unknown>): T;
  toObject(message: T, options?: Record<string, unknown>): Record<string, unknown>;
  fullName: string;
}

/** Method name → request/response message types, for the methods capsched uses. */
export const METHODS = {
  GetNamespace: { request: cloudservice.GetNamespaceRequest, response: cloudservice.GetNamespaceResponse },
  GetNamespaces: { request: cloudservice.GetNamespacesRequest, response: cloudservice.GetNamespacesResponse },
  UpdateNamespace: { request: cloudservice.UpdateNamespaceRequest, response: cloudservice.UpdateNamespaceResponse },
  GetAsyncOperation: { request: cloudservice.GetAsyncOperationRequest, response: cloudservice.GetAsyncOperationResponse },
  GetNamespaceCapacityInfo: { request: cloudservice.GetNamespaceCapacityInfoRequest, response: cloudservice.GetNamespaceCapacityInfoResponse },
  GetCurrentIdentity: { request: cloudservice.GetCurrentIdentityRequest, response: cloudservice.GetCurrentIdentityResponse },
} as const;

export type CloudOpsMethod = keyof typeof METHODS;

export function methodPath(method: string): string {
  return `/${SERVICE_NAME}/${method}`;
}

function encoder(type: MessageType): (value: unknown) => Buffer {
  // fromObject returns message instances unchanged and converts plain objects.
  return (value) => Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
}

/** A request as the server received it: the decoded message plus the exact bytes on the wire. */
export interface ReceivedRequest<T = unknown> {
  message: T;
  raw: Uint8Array;
}

/**
 * The grpc-js service definition of the whole CloudService (all 76 methods), built from the
 * protobufjs reflection in @temporalio/proto. Requests decode to {@link ReceivedRequest} so the
 * simulator can inspect what really went over the wire.
 */
export function cloudServiceDefinition(): ServiceDefinition {
  const service = proto.temporal.api.cloud.cloudservice.v1.CloudService as unknown as {
    resolveAll(): void;
    methods: Record<string, { resolvedRequestType: MessageType | null; resolvedResponseType: MessageType | null }>;
  };
  service.resolveAll();
  const definition: Record<string, MethodDefinition<ReceivedRequest, unknown>> = {};
  for (const [name, method] of Object.entries(service.methods)) {
    const requestType = method.resolvedRequestType;
    const responseType = method.resolvedResponseType;
    if (requestType === null || responseType === null) continue;
    definition[name] = {
      path: methodPath(name),
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: ReceivedRequest) => Buffer.from(value.raw),
      requestDeserialize: (bytes: Buffer) => ({ message: requestType.decode(bytes), raw: new Uint8Array(bytes) }),
      responseSerialize: encoder(responseType),
      responseDeserialize: (bytes: Buffer) => responseType.decode(bytes),
      originalName: name,
    };
  }
  return definition as ServiceDefinition;
}

/** Encodes a request the way the client puts it on the wire. */
export function requestSerializer(method: CloudOpsMethod): (value: unknown) => Buffer {
  return encoder(METHODS[method].request as unknown as MessageType);
}

export function responseDeserializer<T>(method: CloudOpsMethod): (bytes: Buffer) => T {
  const type = METHODS[method].response as unknown as MessageType<T>;
  return (bytes) => type.decode(bytes);
}

type LongLike = number | string | { toString(): string } | null | undefined;

/** google.protobuf.Timestamp → ISO string (undefined when unset). */
export function timestampToIso(ts: { seconds?: LongLike; nanos?: number | null } | null | undefined): string | undefined {
  if (ts === null || ts === undefined) return undefined;
  const seconds = Number(ts.seconds?.toString() ?? 0);
  const nanos = ts.nanos ?? 0;
  if (seconds === 0 && nanos === 0) return undefined;
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
}

export function msToTimestamp(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** google.protobuf.Duration → milliseconds (undefined when unset). */
export function durationToMs(d: { seconds?: LongLike; nanos?: number | null } | null | undefined): number | undefined {
  if (d === null || d === undefined) return undefined;
  return Number(d.seconds?.toString() ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

export function msToDuration(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** One top-level field of an encoded protobuf message. */
export interface WireField {
  field: number;
  wireType: number;
  /** Bytes of a length-delimited field (wire type 2); undefined otherwise. */
  bytes?: Uint8Array;
}

/**
 * Lists the top-level fields exactly as encoded, repeats included. Used to prove that what went
 * on the wire holds one oneof member (decoders keep the last one and hide the mistake).
 */
export function wireFields(bytes: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    switch (wireType) {
      case 0:
        varint();
        out.push({ field, wireType });
        break;
      case 1:
        pos += 8;
        out.push({ field, wireType });
        break;
      case 2: {
        const len = varint();
        out.push({ field, wireType, bytes: bytes.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        out.push({ field, wireType });
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return out;
}

/** Field numbers of capacity_spec's members inside an encoded UpdateNamespaceRequest (spec=2, capacity_spec=12). */
export function capacitySpecMembersOnWire(updateNamespaceRequest: Uint8Array): number[] {
  const members: number[] = [];
  for (const spec of wireFields(updateNamespaceRequest).filter((f) => f.field === 2 && f.bytes !== undefined)) {
    for (const cap of wireFields(spec.bytes as Uint8Array).filter((f) => f.field === 12 && f.bytes !== undefined)) {
      for (const member of wireFields(cap.bytes as Uint8Array)) members.push(member.field);
    }
  }
  return members;
}
