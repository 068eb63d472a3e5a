/** Activity stubs with the timeouts and retry policies the capacity workflows use. */
import { proxyActivities } from '@temporalio/workflow';
import type { CapacityActivities } from '../activities/index.js';

/** The seed's policy: 3 attempts, exponential backoff from 1 s, at most 30 s apart. */
const THREE_ATTEMPTS = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/** Set + wait for the async operation. Heartbeats while polling, so a crashed worker's attempt is retried within 30 s. */
export const { applyCapacity } = proxyActivities<Pick<CapacityActivities, 'applyCapacity'>>({
  startToCloseTimeout: '12m',
  heartbeatTimeout: '30s',
  retry: THREE_ATTEMPTS,
});

export const capacityRead = proxyActivities<Pick<CapacityActivities, 'verifyCapacity'>>({
  startToCloseTimeout: '30s',
  retry: THREE_ATTEMPTS,
});

/** Alerts: bounded (the notifier caps each attempt set at ~20 s); the workflows swallow failures. */
export const alerts = proxyActivities<Pick<CapacityActivities, 'sendAlert'>>({
  startToCloseTimeout: '45s',
  retry: { maximumAttempts: 2, initialInterval: '2s' },
});

export const coordination = proxyActivities<Pick<CapacityActivities, 'joinCoordinator' | 'checkCoordinator'>>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});
