/** Workflows the capacity worker registers (this module is the bundle's entry point). */
export { scheduledCapacityChange } from './capacity-change.js';
export { capacityCoordinator } from './coordinator.js';
