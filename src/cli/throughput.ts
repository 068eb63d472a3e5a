/**
 * Reads what the throughput comparison needs (src/core/capacity/throughput.ts) for the commands
 * that show it (`capsched diff`, `capsched report`): one GetNamespaceCapacityInfo per namespace,
 * only where Cloud Ops credentials exist. Without a key it says so in one line; a namespace that
 * cannot be read says why. It never fails the command.
 */
import { withCachedCapacityInfo, type CloudOpsClient } from '../adapters/cloud-ops/index.js';
import * as compose from '../compose.js';
import { readCloudOpsSettings } from '../config/cloud-ops.js';
import { planSteps } from '../core/capacity/steps.js';
import { NO_CLOUD_KEY_REASON, namespaceThroughput, type PlanAsk, type ThroughputSection } from '../core/capacity/throughput.js';
import { isCapschedError } from '../core/errors.js';
import { scrub } from '../log/secrets.js';

/** Longest wait for one GetNamespaceCapacityInfo here (the namespaces are read in parallel). */
const READ_TIMEOUT_MS = 10_000;

/** A plan as the commands have it: its namespace, TRUs and (a ramp's) steps. */
export interface PlanForThroughput {
  name: string;
  namespace: string;
  file?: string;
  trus: number;
  steps?: readonly { after: string; trus: number }[] | undefined;
  paused?: boolean;
}

/** Every TRU value each plan asks, grouped by namespace (paused plans left out). */
export function asksByNamespace(plans: readonly PlanForThroughput[]): Map<string, PlanAsk[]> {
  const out = new Map<string, PlanAsk[]>();
  for (const p of plans) {
    if (p.paused === true) continue;
    const ask: PlanAsk = { plan: p.name, trus: planSteps(p).map((s) => s.trus), ...(p.file === undefined ? {} : { file: p.file }) };
    out.set(p.namespace, [...(out.get(p.namespace) ?? []), ask]);
  }
  return out;
}

/** Compares the plans of these namespaces with each namespace's on-demand limit and 7-day p99 (sorted by namespace). */
export async function readThroughput(env: NodeJS.ProcessEnv, plans: readonly PlanForThroughput[]): Promise<ThroughputSection> {
  let settings;
  try {
    settings = readCloudOpsSettings(env);
  } catch (err) {
    return { checked: false, reason: `Cloud Ops settings invalid: ${scrub(err instanceof Error ? err.message : String(err))}` };
  }
  if (settings.apiKey === undefined) return { checked: false, reason: NO_CLOUD_KEY_REASON };
  const asks = asksByNamespace(plans);
  if (asks.size === 0) return { checked: true, namespaces: [] };
  // An advisory read: an unreachable API delays the command by at most this much, never fails it.
  const client: CloudOpsClient = withCachedCapacityInfo(compose.cloudOps({ ...settings, callTimeoutMs: Math.min(settings.callTimeoutMs, READ_TIMEOUT_MS) }));
  try {
    const namespaces = await Promise.all(
      [...asks.keys()].sort().map(async (ns) => {
        try {
          return namespaceThroughput(ns, asks.get(ns) ?? [], await client.getCapacityInfo(ns));
        } catch (err) {
          const code = isCapschedError(err) ? ` [${err.code}]` : '';
          return { namespace: ns, plans: [], warn: false, error: `${scrub(err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''}${code}` };
        }
      }),
    );
    return { checked: true, namespaces };
  } finally {
    client.close();
  }
}
