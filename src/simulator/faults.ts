/** Faults a test (or `capsched dev`) can inject into the Cloud Ops simulator. */
import type { CloudOpsMethod } from '../adapters/cloud-ops/wire.js';

/** Call-level faults: answered instead of (or after) handling the request. */
export type CallFault =
  /** Answer UNAVAILABLE without handling the request. */
  | { kind: 'unavailable'; method?: CloudOpsMethod; namespace?: string; times?: number }
  /** Answer RESOURCE_EXHAUSTED (rate limit) without handling the request. */
  | { kind: 'resourceExhausted'; method?: CloudOpsMethod; namespace?: string; times?: number }
  /** Handle the request (an UpdateNamespace is applied) but answer UNAVAILABLE: the response is "lost". */
  | { kind: 'commitThenDrop'; method?: CloudOpsMethod; namespace?: string; times?: number }
  /** Delay the answer. */
  | { kind: 'latency'; latencyMs: number; method?: CloudOpsMethod; namespace?: string; times?: number };

/** Operation faults: the next accepted capacity change on the namespace ends this way. */
export type OperationFault =
  | { kind: 'operationFailed'; namespace?: string; failureReason?: string; times?: number }
  /** Provisioning fails for lack of capacity: the operation is REJECTED. */
  | { kind: 'capacityUnavailable'; namespace?: string; failureReason?: string; times?: number }
  | { kind: 'operationRejected'; namespace?: string; failureReason?: string; times?: number }
  | { kind: 'operationCancelled'; namespace?: string; failureReason?: string; times?: number }
  /** The operation never leaves IN_PROGRESS. */
  | { kind: 'operationStuck'; namespace?: string; times?: number }
  /**
   * The operation reports FULFILLED on time, but the namespace's capacity keeps changing for lagMs
   * more: capacity.latest_request stays IN_PROGRESS and the current capacity stays the old one until
   * then (what Terraform's acceptance test polls for, up to 60 s, after the operation finished).
   */
  | { kind: 'capacityLag'; lagMs: number; namespace?: string; times?: number };

export type SimulatorFault = CallFault | OperationFault;

const CALL_KINDS = new Set(['unavailable', 'resourceExhausted', 'commitThenDrop', 'latency']);

export function isCallFault(fault: SimulatorFault): fault is CallFault {
  return CALL_KINDS.has(fault.kind);
}

interface Armed<F> {
  fault: F;
  remaining: number;
}

/** Holds armed faults; each firing decrements its count (default 1; Infinity = until cleared). */
export class FaultBook {
  #call: Armed<CallFault>[] = [];
  #operation: Armed<OperationFault>[] = [];

  add(fault: SimulatorFault): void {
    const remaining = fault.times ?? 1;
    if (!(remaining > 0)) throw new Error('fault.times must be positive');
    if (isCallFault(fault)) this.#call.push({ fault, remaining });
    else this.#operation.push({ fault, remaining });
  }

  clear(): void {
    this.#call = [];
    this.#operation = [];
  }

  /** Takes (consumes one use of) every call fault matching this call, in the order injected. */
  takeCall(method: string, namespace: string | undefined): CallFault[] {
    const fired: CallFault[] = [];
    for (const armed of this.#call) {
      const f = armed.fault;
      const methodMatches = f.method === undefined ? f.kind !== 'commitThenDrop' || method === 'UpdateNamespace' : f.method === method;
      if (!methodMatches || (f.namespace !== undefined && f.namespace !== namespace)) continue;
      fired.push(f);
      armed.remaining -= 1;
    }
    this.#call = this.#call.filter((a) => a.remaining > 0);
    return fired;
  }

  takeOperation(namespace: string): OperationFault | undefined {
    const armed = this.#operation.find((a) => a.fault.namespace === undefined || a.fault.namespace === namespace);
    if (armed === undefined) return undefined;
    armed.remaining -= 1;
    this.#operation = this.#operation.filter((a) => a.remaining > 0);
    return armed.fault;
  }
}
