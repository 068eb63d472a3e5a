export {
  createCloudOpsClient,
  newOperationId,
  DEFAULT_OPERATION_TIMEOUT_MS,
  type AddSearchAttributesResult,
  type CloudOpsClient,
  type CloudOpsClientOptions,
  type WaitOptions,
} from './client.js';
export { withCachedCapacityInfo } from './capacity-info-cache.js';
export { CloudOpsErrorCode, classifyCloudOpsError, isNothingToChange } from './errors.js';
export { mayAdminister, toCloudIdentity, type CloudIdentity } from './mapping.js';
export {
  capacitySpecFor,
  specWithCapacity,
  specWithSearchAttributes,
  searchAttributesOfSpec,
  toNamespaceCapacity,
  toCapacityInfo,
  toOperationStatus,
  describeTarget,
  sameTarget,
} from './mapping.js';
export { CLOUD_API_VERSION, API_VERSION_HEADER, DEFAULT_CLOUD_OPS_ENDPOINT, SERVICE_NAME } from './wire.js';
export type { CloudOpsSettings } from './settings.js';
