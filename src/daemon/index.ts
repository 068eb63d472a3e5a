export {
  startDaemon,
  DEFAULT_INTERVAL_MS,
  DEFAULT_LISTEN,
  type DaemonOptions,
  type DaemonHandle,
  type DaemonStatus,
  type DaemonReconcile,
  type CapacityWorkerContext,
} from './daemon.js';
export { verifyGithubSignature, DeliveryCache } from './webhook.js';
export { parseListen, MAX_WEBHOOK_BODY_BYTES } from './http-server.js';
export { reconcilerWorkflowId, reconcilerTaskQueue, type ReconcilerState } from '../core/reconciler-contract.js';
