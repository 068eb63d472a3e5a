/**
 * `capsched doctor`: per namespace the plans name, do their TRUs really raise throughput above
 * what on-demand gives now? Reads GetNamespaceCapacityInfo through the caller's client (doctor
 * wraps it in withCachedCapacityInfo, so the namespace line and this one share one read).
 */
import type { CapacityInfo } from '../core/ports.js';
import { namespaceThroughput } from '../core/capacity/throughput.js';
import { throughputDoctorCheck } from '../core/doctor/throughput-check.js';
import type { DoctorCheck } from '../core/doctor/checks.js';
import type { LoadedPlan } from '../core/plan/load.js';
import { asksByNamespace } from './throughput.js';

/** The throughput line for `namespace`, or undefined when it cannot be read (the namespace line already says why) or no plan asks anything. */
export async function throughputCheck(
  client: { getCapacityInfo(namespace: string): Promise<CapacityInfo> },
  namespace: string,
  plans: readonly LoadedPlan[],
): Promise<DoctorCheck | undefined> {
  const asks = asksByNamespace(plans.filter((lp) => lp.plan.namespace === namespace).map((lp) => ({ ...lp.plan, file: lp.file }))).get(namespace);
  if (asks === undefined || asks.length === 0) return undefined;
  let info: CapacityInfo;
  try {
    info = await client.getCapacityInfo(namespace);
  } catch {
    return undefined;
  }
  return throughputDoctorCheck(namespaceThroughput(namespace, asks, info));
}
