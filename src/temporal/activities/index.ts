/**
 * Activities of the capacity workflows, built from their collaborators so tests can pass real
 * servers or plain objects: the capacity steps (./capacity.ts), alerts (./alerts.ts) and the
 * coordinator hand-off (./coordination.ts), over what they share (./runtime.ts). Worker-side
 * settings (./types.ts) never travel in workflow inputs.
 */
import { alertActivities } from './alerts.js';
import { capacityActivities } from './capacity.js';
import { coordinationActivities } from './coordination.js';
import { activityRuntime } from './runtime.js';
import type { ActivityDeps } from './types.js';

export * from './types.js';
export { windowRevertOf } from './alerts.js';
export { toFailure, workflowUrl } from './runtime.js';

export function createActivities(deps: ActivityDeps) {
  const rt = activityRuntime(deps);
  return { ...capacityActivities(rt), ...alertActivities(rt), ...coordinationActivities(rt) };
}

export type CapacityActivities = ReturnType<typeof createActivities>;
