/**
 * Schedule ids capsched derives: `capsched.<installation>.<plan>`. Dots cannot appear in an
 * installation id or a plan name, so two (installation, plan) pairs never share an id
 * ("team-a"+"x" and "team"+"a-x" would collide with dashes).
 */
import { CapschedError } from '../errors.js';

export const SCHEDULE_ID_PREFIX = 'capsched';
export const INSTALLATION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
export const DEFAULT_INSTALLATION = 'default';
/**
 * The server validates "temporal-sys-scheduler:" + id (≤ 1000 bytes) and the action's workflow id
 * + "-2009-11-10T23:00:00Z"; capsched keeps far below both and below what people want in a UI.
 */
export const MAX_SCHEDULE_ID_LENGTH = 200;

/** Throws CapschedError INSTALLATION_INVALID when the id cannot be used in ids and visibility queries. */
export function checkInstallationId(installation: string): string {
  if (!INSTALLATION_PATTERN.test(installation)) {
    throw new CapschedError(
      'INSTALLATION_INVALID',
      `installation id "${installation}" is invalid: use 1–63 letters, digits, "-" or "_", starting with a letter or digit (set --installation or CAPSCHED_INSTALLATION)`,
    );
  }
  return installation;
}

/**
 * `capsched.<installation>.<plan>`, or `capsched.<installation>.<plan>.<namespace>` for one
 * namespace of a `namespaces:` plan: plan names have no dots, so the third part is always the plan
 * and a multi-namespace id never equals a single-namespace one.
 */
export function scheduleIdFor(installation: string, plan: string, namespaceOfList?: string): string {
  const id = `${SCHEDULE_ID_PREFIX}.${checkInstallationId(installation)}.${plan}${namespaceOfList === undefined ? '' : `.${namespaceOfList}`}`;
  if (id.length > MAX_SCHEDULE_ID_LENGTH) {
    throw new CapschedError(
      'SCHEDULE_ID_TOO_LONG',
      `schedule id "${id}" is longer than ${MAX_SCHEDULE_ID_LENGTH} characters: shorten the plan name or installation id`,
    );
  }
  return id;
}

/** The schedule id of a loaded plan (one namespace of a `namespaces:` plan gets its own). */
export function planScheduleId(installation: string, plan: { name: string; namespace: string; namespaces?: readonly string[] }): string {
  return scheduleIdFor(installation, plan.name, plan.namespaces === undefined ? undefined : plan.namespace);
}

/** The visibility query that lists exactly this installation's managed schedules. */
export function managedScheduleQuery(installation: string, managedBy: string): string {
  checkInstallationId(installation);
  return `CapschedManagedBy = '${managedBy}' AND CapschedInstallation = '${installation}'`;
}
