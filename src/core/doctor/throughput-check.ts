/** `capsched doctor`'s throughput line for one namespace: its plans' TRUs against on-demand now and its 7-day p99. Pure. */
import { APS_PER_TRU, formatAps, type NamespaceThroughput } from '../capacity/throughput.js';
import type { DoctorCheck } from './checks.js';

/** ! when a plan asks no more APS than on-demand gives now (it pays to lower throughput, or for nothing); ✓ otherwise. */
export function throughputDoctorCheck(n: NamespaceThroughput): DoctorCheck {
  const id = `throughput:${n.namespace}`;
  const title = `${n.namespace} throughput`;
  const flagged = n.plans.flatMap((p) =>
    p.comparisons.filter((c) => c.verdict === 'lowers' || c.verdict === 'same').map((c) => `plan ${p.plan}: ${c.message}`),
  );
  const hint = n.hint === undefined ? 'no 7-day APS stats reported' : n.hint.message;
  if (flagged.length > 0) {
    return {
      id,
      status: 'warn',
      title,
      detail: `${flagged.join('; ')}; ${hint}`,
      fix:
        n.hint?.trus !== undefined
          ? `ask at least ${n.hint.trus} TRUs, or none: on-demand gives the namespace more than the plan buys`
          : 'ask more TRUs than on-demand gives, or drop the plan: on-demand gives the namespace more than it buys',
    };
  }
  const asked = [...new Set(n.plans.flatMap((p) => p.comparisons.map((c) => c.trus)))].sort((a, b) => a - b);
  const askedText = `plans ask ${asked.map((t) => `${t} TRUs = ${formatAps(t * APS_PER_TRU)}`).join(', ')}`;
  const versus =
    n.onDemandApsLimit === undefined ? 'the on-demand APS limit was not reported' : `above on-demand (on-demand now ${formatAps(n.onDemandApsLimit)})`;
  return { id, status: 'ok', title, detail: `${askedText}, ${versus}; ${hint}` };
}
