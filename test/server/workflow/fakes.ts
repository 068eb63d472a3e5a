/**
 * Plain-object collaborators for workflow-logic tests on the time-skipping server ONLY: an
 * in-memory Cloud Ops that records every change, and a notifier that records alerts.
 * End-to-end tests use the real simulator and a real Slack HTTP server instead.
 */
import { Context } from '@temporalio/activity';
import { CapschedError } from '../../../src/core/errors.js';
import type {
  Alert,
  AsyncOperationStatus,
  CapacityInfo,
  CapacityTarget,
  CloudOps,
  NamespaceCapacity,
  Notifier,
  SetCapacityResult,
} from '../../../src/core/ports.js';

export interface RecordedChange {
  namespace: string;
  target: CapacityTarget;
  operationId: string;
  /** Server time the activity attempt was scheduled (the test server's skipped clock). */
  atMs?: number;
}

function serverTimeMs(): number | undefined {
  try {
    return Context.current().info.currentAttemptScheduledTimestampMs;
  } catch {
    return undefined;
  }
}

export class FakeCloudOps implements CloudOps {
  readonly changes: RecordedChange[] = [];
  readonly setCalls: RecordedChange[] = [];
  readonly reads: string[] = [];
  private readonly state = new Map<string, { target: CapacityTarget; version: number; opId?: string }>();
  private readonly ops = new Map<string, RecordedChange>();
  /** Rejects a TRU value (terminal INVALID_ARGUMENT), like the real API. */
  invalidTrus = new Set<number>();
  /** Fail this many setCapacity calls with UNAVAILABLE (transient). */
  transientSetFailures = 0;
  /** Real milliseconds each async operation takes (a slow change; the test server's clock runs meanwhile). */
  operationDelayMs = 0;
  /** When set, reads report this instead of the real state (to fail verification). */
  lie: ((ns: string, actual: CapacityTarget) => NamespaceCapacity | undefined) | undefined;

  capacityOf(namespace: string): CapacityTarget {
    return this.state.get(namespace)?.target ?? { mode: 'onDemand' };
  }

  /** Capacity history of a namespace as text, e.g. ["4", "8", "4", "onDemand"]. */
  history(namespace: string): string[] {
    return this.changes.filter((c) => c.namespace === namespace).map((c) => (c.target.mode === 'onDemand' ? 'onDemand' : String(c.target.trus)));
  }

  /** Someone changed capacity outside capsched (UI, tcld, Terraform): not in `changes`. */
  setOutOfBand(namespace: string, target: CapacityTarget): void {
    const prev = this.state.get(namespace);
    this.state.set(namespace, { target, version: (prev?.version ?? 1) + 1 });
  }

  async getCapacity(namespace: string): Promise<NamespaceCapacity> {
    this.reads.push(namespace);
    const s = this.state.get(namespace);
    const target = s?.target ?? { mode: 'onDemand' as const };
    const lied = this.lie?.(namespace, target);
    if (lied !== undefined) return lied;
    return {
      namespace,
      mode: target.mode,
      currentTrus: target.mode === 'provisioned' ? target.trus : undefined,
      latestRequest: { state: 'completed', asyncOperationId: s?.opId, target },
      resourceVersion: String(s?.version ?? 1),
    };
  }

  async getCapacityInfo(namespace: string): Promise<CapacityInfo> {
    return { namespace, validTruValues: [2, 3, 4, 6, 8, 10, 12] };
  }

  async setCapacity(namespace: string, target: CapacityTarget, operationId: string): Promise<SetCapacityResult> {
    this.setCalls.push({ namespace, target, operationId });
    if (this.transientSetFailures > 0) {
      this.transientSetFailures--;
      throw new CapschedError('CLOUD_OPS_UNAVAILABLE', 'Cloud Ops API UpdateNamespace failed: unavailable', { retry: 'transient' });
    }
    if (target.mode === 'provisioned' && this.invalidTrus.has(target.trus)) {
      throw new CapschedError('CLOUD_OPS_INVALID_ARGUMENT', `Cloud Ops API rejected ${target.trus} TRUs: valid values are 2, 3, 4, 6, 8, 10, 12`, {
        retry: 'terminal',
      });
    }
    if (this.ops.has(operationId)) return { operationId, noop: false, operation: { id: operationId, state: 'fulfilled' } };
    const current = this.capacityOf(namespace);
    const same = current.mode === target.mode && (current.mode === 'onDemand' || (target.mode === 'provisioned' && current.trus === target.trus));
    if (same) return { operationId, noop: true };
    const change = { namespace, target, operationId, atMs: serverTimeMs() };
    this.ops.set(operationId, change);
    this.changes.push(change);
    const prev = this.state.get(namespace);
    this.state.set(namespace, { target, version: (prev?.version ?? 1) + 1, opId: operationId });
    return { operationId, noop: false, operation: { id: operationId, state: 'inProgress' } };
  }

  async waitForOperation(operationId: string): Promise<AsyncOperationStatus> {
    if (!this.ops.has(operationId)) throw new CapschedError('CLOUD_OPS_NOT_FOUND', `operation ${operationId} not found`, { retry: 'terminal' });
    if (this.operationDelayMs > 0) await new Promise((r) => setTimeout(r, this.operationDelayMs));
    return { id: operationId, state: 'fulfilled' };
  }
}

export class RecordingNotifier implements Notifier {
  readonly alerts: Alert[] = [];
  async notify(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }
  severities(): string[] {
    return this.alerts.map((a) => `${a.severity}:${a.title}`);
  }
}
