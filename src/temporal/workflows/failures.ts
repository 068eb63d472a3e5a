/** What an activity failure says, read in workflow code (sandboxed: no Node built-ins). */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The innermost message of an activity/child failure (already scrubbed by the activity). */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause !== undefined) e = e.cause;
  if (e instanceof ApplicationFailure) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** The type of the innermost application failure of an activity failure, if any. */
export function failureType(err: unknown): string | undefined {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause !== undefined) e = e.cause;
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}
