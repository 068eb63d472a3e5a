export { startCloudOpsSimulator, type CloudOpsSimulator, type CloudOpsSimulatorOptions, type RecordedRequest } from './cloud-ops-simulator.js';
export {
  DEFAULT_VALID_TRU_VALUES,
  DEFAULT_APS_STATS,
  type CapacityChange,
  type NamespaceCapacitySnapshot,
  type OperationSnapshot,
  type SimulatedOperationState,
} from './cloud-ops-state.js';
export type { SimulatorFault, CallFault, OperationFault } from './faults.js';
