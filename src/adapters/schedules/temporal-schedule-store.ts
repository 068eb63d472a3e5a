/**
 * ScheduleStore on real Temporal Schedules (@temporalio/client). The only module that speaks the
 * schedule API; src/apply is the only caller that writes through it.
 */
import { randomUUID } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSummary,
  type ScheduleUpdateOptions,
  type Workflow,
} from '@temporalio/client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair, type TypedSearchAttributes } from '@temporalio/common';
import { CapschedError } from '../../core/errors.js';
import type { ScheduleStore } from '../../core/ports.js';
import type { ScheduleSpecDescription } from '../../core/desired/canonical-spec.js';
import { managedScheduleQuery } from '../../core/desired/schedule-id.js';
import type { DesiredSchedule } from '../../core/desired/types.js';
import type { ActualSchedule } from '../../core/diff/types.js';
import { MANAGED_BY } from '../../core/workflow-contract.js';
import { isMissingSearchAttributeAnswer, searchAttributesMissingError, SEARCH_ATTRIBUTES_MISSING } from '../../core/search-attributes.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { checkNamespaceSearchAttributes } from './search-attributes.js';

export interface TemporalScheduleStoreOptions {
  client: Client;
  /** Visibility page size for list() (server maximum 1000). */
  pageSize?: number;
  /**
   * Schedule RPCs per second (describe, create, update, delete, cancel). Temporal Cloud allows
   * 10 schedule requests/s per namespace; the default stays just under it.
   */
  requestsPerSecond?: number;
  /** Visibility (list) calls per second; Temporal Cloud allows 30. */
  listsPerSecond?: number;
}

function keywordPairs(values: Partial<Record<string, string>>): SearchAttributePair[] {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ key: defineSearchAttributeKey(name, SearchAttributeType.KEYWORD), value }));
}

function keywordsOf(typed: TypedSearchAttributes | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of typed?.getAll() ?? []) {
    const value = Array.isArray(pair.value) ? pair.value[0] : pair.value;
    if (typeof value === 'string') out[pair.key.name] = value;
  }
  return out;
}

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The server's own words: the gRPC `details`, or the message of the error the SDK wraps (the native connection leaves `details` empty). */
function serverTextOf(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err as { cause?: { details?: unknown; message?: unknown } }).cause : undefined;
  if (typeof cause?.details === 'string' && cause.details !== '') return cause.details;
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return undefined;
}

/** Maps SDK/gRPC errors to CapschedError with a retry class. */
export function toCapschedError(err: unknown, scheduleId: string | undefined, operation: string, namespace?: string): CapschedError {
  if (err instanceof CapschedError) return err;
  const details = { scheduleId, operation };
  const serverText = serverTextOf(err);
  const message = [err instanceof Error ? err.message : String(err), serverText].filter((t) => t !== undefined).join(': ');
  if (serverText !== undefined && isMissingSearchAttributeAnswer(serverText)) {
    return searchAttributesMissingError({ operation, serverText, cause: err, details, ...(namespace === undefined ? {} : { namespace }) });
  }
  if (err instanceof ScheduleAlreadyRunning) return new CapschedError('SCHEDULE_EXISTS', `schedule ${scheduleId} already exists`, { cause: err, details });
  if (err instanceof ScheduleNotFoundError) return new CapschedError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} does not exist`, { cause: err, details });
  const code = grpcCode(err);
  if (code === GrpcStatus.RESOURCE_EXHAUSTED)
    return new CapschedError('TEMPORAL_RATE_LIMITED', `Temporal rate limit on ${operation}: ${message}`, { retry: 'transient', cause: err, details });
  if (code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED || code === GrpcStatus.ABORTED)
    return new CapschedError('TEMPORAL_UNAVAILABLE', `Temporal unavailable during ${operation}: ${message}`, { retry: 'transient', cause: err, details });
  if (code === GrpcStatus.NOT_FOUND) return new CapschedError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} does not exist`, { cause: err, details });
  if (err instanceof TypeError) return new CapschedError('SCHEDULE_INVALID', `Temporal rejected schedule ${scheduleId}: ${message}`, { cause: err, details });
  return new CapschedError('TEMPORAL_ERROR', `Temporal ${operation} failed${scheduleId === undefined ? '' : ` for ${scheduleId}`}: ${message}`, {
    cause: err,
    details,
  });
}

function fromSummary(summary: ScheduleSummary): ActualSchedule {
  return {
    scheduleId: summary.scheduleId,
    searchAttributes: keywordsOf(summary.typedSearchAttributes),
    paused: summary.state.paused,
    ...(summary.state.note === undefined ? {} : { note: summary.state.note }),
    ...(summary.spec === undefined ? {} : { spec: summary.spec as unknown as ScheduleSpecDescription }),
    ...(summary.action === undefined ? {} : { workflowType: summary.action.workflowType }),
    nextActionTimes: summary.info.nextActionTimes.map((d) => d.toISOString()),
  };
}

function fromDescription(scheduleId: string, d: ScheduleDescription): ActualSchedule {
  const action = d.action;
  return {
    scheduleId,
    searchAttributes: keywordsOf(d.typedSearchAttributes),
    paused: d.state.paused,
    ...(d.state.note === undefined ? {} : { note: d.state.note }),
    spec: d.spec as unknown as ScheduleSpecDescription,
    workflowType: action.workflowType,
    nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    detail: {
      spec: d.spec as unknown as ScheduleSpecDescription,
      workflowType: action.workflowType,
      ...(action.taskQueue === undefined ? {} : { taskQueue: action.taskQueue }),
      ...(action.workflowId === undefined ? {} : { workflowId: action.workflowId }),
      args: [...(action.args ?? [])],
      memo: (action.memo ?? {}) as Record<string, unknown>,
      actionSearchAttributes: keywordsOf(action.typedSearchAttributes as TypedSearchAttributes | undefined),
      policies: {
        ...(d.policies.overlap === undefined ? {} : { overlap: d.policies.overlap }),
        catchupWindowMs: d.policies.catchupWindow,
        pauseOnFailure: d.policies.pauseOnFailure,
      },
      runningWorkflowIds: d.info.runningActions.map((r) => r.workflow.workflowId),
    },
  };
}

/** The complete schedule (everything an update replaces), from a desired schedule. */
export function scheduleOptionsFor(desired: DesiredSchedule): ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<Workflow>> {
  return {
    spec: desired.spec as never,
    action: {
      type: 'startWorkflow',
      workflowType: desired.action.workflowType,
      taskQueue: desired.action.taskQueue,
      workflowId: desired.action.workflowId,
      args: desired.action.args,
      memo: desired.action.memo as unknown as Record<string, unknown>,
      typedSearchAttributes: keywordPairs(desired.action.searchAttributes),
    },
    policies: {
      overlap: desired.policies.overlap,
      catchupWindow: desired.policies.catchupWindowMs,
      pauseOnFailure: desired.policies.pauseOnFailure,
    },
    state: { paused: desired.paused, note: desired.note },
    typedSearchAttributes: keywordPairs(desired.searchAttributes),
  };
}

export function createTemporalScheduleStore(options: TemporalScheduleStoreOptions): ScheduleStore & { limiter: RateLimiter } {
  const { client } = options;
  const limiter = createRateLimiter(options.requestsPerSecond ?? 9);
  const listLimiter = createRateLimiter(options.listsPerSecond ?? 25);
  const pageSize = options.pageSize ?? 1000;

  const namespace = client.options.namespace;

  /**
   * toCapschedError, and for a missing search attribute the exact list: the server names only
   * the first one it trips over, so ask the namespace which of the six it has.
   */
  async function classify(err: unknown, scheduleId: string | undefined, operation: string): Promise<CapschedError> {
    const classified = toCapschedError(err, scheduleId, operation, namespace);
    if (classified.code !== SEARCH_ATTRIBUTES_MISSING || classified.details?.missing !== undefined) return classified;
    const serverText = serverTextOf(err);
    try {
      const check = await checkNamespaceSearchAttributes(client, namespace);
      if (check.missing.length === 0 && check.wrongType.length === 0) return classified;
      return searchAttributesMissingError({
        operation,
        namespace,
        missing: check.missing,
        wrongType: check.wrongType,
        cause: err,
        details: { scheduleId, operation },
        ...(serverText === undefined ? {} : { serverText }),
      });
    } catch {
      return classified; // the list itself may be refused (permissions): keep what the server said
    }
  }

  async function call<T>(operation: string, scheduleId: string | undefined, fn: () => Promise<T>): Promise<T> {
    await limiter.take();
    try {
      return await fn();
    } catch (err) {
      throw await classify(err, scheduleId, operation);
    }
  }

  return {
    limiter,
    async list(installation) {
      const out: ActualSchedule[] = [];
      const query = managedScheduleQuery(installation, MANAGED_BY);
      try {
        await listLimiter.take();
        for await (const summary of client.schedule.list({ query, pageSize })) out.push(fromSummary(summary));
      } catch (err) {
        throw await classify(err, undefined, 'list schedules');
      }
      return out;
    },
    async describe(scheduleId) {
      try {
        return await call('describe', scheduleId, async () => fromDescription(scheduleId, await client.schedule.getHandle(scheduleId).describe()));
      } catch (err) {
        if (err instanceof CapschedError && err.code === 'SCHEDULE_NOT_FOUND') return undefined;
        throw err;
      }
    },
    async create(desired) {
      const complete = scheduleOptionsFor(desired);
      await call('create', desired.scheduleId, () =>
        client.schedule.create({
          scheduleId: desired.scheduleId,
          spec: complete.spec,
          action: complete.action,
          ...(complete.policies === undefined ? {} : { policies: complete.policies }),
          state: { paused: desired.paused, note: desired.note },
          typedSearchAttributes: keywordPairs(desired.searchAttributes),
        }),
      );
    },
    async update(desired) {
      const complete = scheduleOptionsFor(desired);
      // The SDK describes, then sends our complete replacement (no field is left to a default).
      await call('update', desired.scheduleId, () => client.schedule.getHandle(desired.scheduleId).update(() => complete));
    },
    async delete(scheduleId) {
      await call('delete', scheduleId, () => client.schedule.getHandle(scheduleId).delete());
    },
    async runningWindows(scheduleId) {
      const ids: string[] = [];
      try {
        await listLimiter.take();
        // TemporalScheduledById is set by the server on every run a schedule starts.
        for await (const wf of client.workflow.list({ query: `TemporalScheduledById = '${scheduleId.replace(/'/g, '')}' AND ExecutionStatus = 'Running'` }))
          ids.push(wf.workflowId);
      } catch (err) {
        throw await classify(err, scheduleId, 'list running windows');
      }
      return ids.sort();
    },
    async cancelWorkflow(workflowId, reason) {
      // The raw request, not handle.cancel(): only it carries the reason into the run's history.
      await call('cancel workflow', undefined, async () => {
        await client.workflowService.requestCancelWorkflowExecution({
          namespace: client.options.namespace,
          identity: client.options.identity,
          requestId: randomUUID(),
          workflowExecution: { workflowId },
          reason,
        });
      });
    },
  };
}
