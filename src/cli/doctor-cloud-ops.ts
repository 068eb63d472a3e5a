/**
 * `capsched doctor`, Cloud Ops: the API key, its identity and the namespaces the plans name.
 */
import {
  CLOUD_API_VERSION,
  CloudOpsErrorCode,
  mayAdminister,
  toNamespaceCapacity,
  withCachedCapacityInfo,
  type CloudIdentity,
  type CloudOpsClient,
} from '../adapters/cloud-ops/index.js';
import * as compose from '../compose.js';
import { readCloudOpsSettings } from '../config/cloud-ops.js';
import { planSteps } from '../core/capacity/steps.js';
import type { DoctorCheck } from '../core/doctor/checks.js';
import { CapschedError, isCapschedError } from '../core/errors.js';
import type { LoadedPlan } from '../core/plan/load.js';
import { scrub } from '../log/secrets.js';
import type { CliIO } from './io.js';
import { why } from './doctor-shared.js';
import { throughputCheck } from './doctor-throughput.js';

export function cloudFix(code: string): string {
  if (code === CloudOpsErrorCode.unauthenticated)
    return 'set TEMPORAL_CLOUD_API_KEY to a valid, unexpired key of this account (a service account with Namespace Admin on the target namespaces)';
  if (code === CloudOpsErrorCode.unavailable)
    return 'check TEMPORAL_CLOUD_ENDPOINT and the network (TLS: TEMPORAL_CLOUD_ALLOW_INSECURE is for the simulator only)';
  if (code === CloudOpsErrorCode.invalidArgument) return `the API refused this client's temporal-cloud-api-version ${CLOUD_API_VERSION}: upgrade capsched`;
  return 'see docs/cloud-ops.md#troubleshooting';
}

export async function checkCloud(io: CliIO, plans: LoadedPlan[] | undefined): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const namespaces = [...new Set((plans ?? []).map((lp) => lp.plan.namespace))].sort();
  const notChecked = (why_: string): void => {
    for (const ns of namespaces) checks.push({ id: `namespace:${ns}`, status: 'warn', title: ns, detail: `not checked (${why_})` });
  };
  let settings;
  try {
    settings = readCloudOpsSettings(io.env);
  } catch (err) {
    checks.push({ id: 'cloud-ops.key', status: 'fail', title: 'Cloud Ops API', detail: why(err), fix: 'fix the setting named above' });
    notChecked('Cloud Ops settings invalid');
    return checks;
  }
  if (settings.apiKey === undefined) {
    checks.push({
      id: 'cloud-ops.key',
      status: 'fail',
      title: 'Cloud Ops API',
      detail: 'TEMPORAL_CLOUD_API_KEY is not set: every window would fail with CLOUD_OPS_CONFIG',
      fix: 'set TEMPORAL_CLOUD_API_KEY (a service account with Namespace Admin on the target namespaces)',
    });
    notChecked('no Cloud Ops key');
    return checks;
  }
  // One GetNamespaceCapacityInfo per namespace: the namespace line and the throughput line share it.
  const client: CloudOpsClient = withCachedCapacityInfo(compose.cloudOps(settings));
  try {
    let identity: CloudIdentity | undefined;
    try {
      identity = await client.getCurrentIdentity();
      const who =
        identity.principal === 'unknown' ? 'an unknown principal' : `${identity.principal === 'user' ? 'user' : 'service account'} ${identity.name ?? '?'}`;
      checks.push({
        id: 'cloud-ops.key',
        status: 'ok',
        title: 'Cloud Ops API',
        detail: `key valid (${who}, account role ${identity.accountRole}) at ${settings.endpoint}, API version ${CLOUD_API_VERSION} accepted`,
      });
    } catch (err) {
      const e = isCapschedError(err) ? err : new CapschedError(CloudOpsErrorCode.unavailable, why(err));
      if (e.code === CloudOpsErrorCode.protocol) {
        checks.push({
          id: 'cloud-ops.key',
          status: 'warn',
          title: 'Cloud Ops API',
          detail: `the key's identity cannot be read at ${settings.endpoint} (${scrub(e.message)}); namespace access is checked below`,
        });
      } else {
        const detail =
          e.code === CloudOpsErrorCode.unauthenticated
            ? `the key was refused at ${settings.endpoint} (invalid, expired or of another account) [${e.code}]`
            : e.code === CloudOpsErrorCode.invalidArgument
              ? `API version ${CLOUD_API_VERSION} refused: ${scrub(e.message)} [${e.code}]`
              : `${scrub(e.message)} [${e.code}]`;
        checks.push({ id: 'cloud-ops.key', status: 'fail', title: 'Cloud Ops API', detail, fix: cloudFix(e.code) });
        notChecked('Cloud Ops key not usable');
        return checks;
      }
    }
    for (const ns of namespaces) {
      checks.push(
        await namespaceLine(
          client,
          ns,
          identity,
          (plans ?? []).filter((lp) => lp.plan.namespace === ns),
        ),
      );
      const throughput = await throughputCheck(client, ns, plans ?? []);
      if (throughput !== undefined) checks.push(throughput);
    }
    return checks;
  } finally {
    client.close();
  }
}

export async function namespaceLine(client: CloudOpsClient, ns: string, identity: CloudIdentity | undefined, plans: LoadedPlan[]): Promise<DoctorCheck> {
  const id = `namespace:${ns}`;
  let capacityText: string;
  let valid: number[];
  try {
    const [namespace, info] = await Promise.all([client.getNamespace(ns), client.getCapacityInfo(ns)]);
    const c = toNamespaceCapacity(namespace);
    capacityText = c.mode === 'provisioned' ? `provisioned ${c.currentTrus ?? '?'} TRU now` : c.mode === 'onDemand' ? 'on-demand now' : 'capacity mode unknown';
    if (c.latestRequest?.state === 'inProgress') capacityText += ' (a capacity request is in progress)';
    valid = info.validTruValues;
  } catch (err) {
    const e = isCapschedError(err) ? err : new CapschedError(CloudOpsErrorCode.unavailable, why(err));
    if (e.code === CloudOpsErrorCode.permissionDenied)
      return { id, status: 'fail', title: ns, detail: `the Cloud Ops key may not read it [${e.code}]`, fix: `give the key Namespace Admin on ${ns}` };
    if (e.code === CloudOpsErrorCode.notFound)
      return {
        id,
        status: 'fail',
        title: ns,
        detail: `not found in the Cloud account [${e.code}]`,
        fix: 'check the namespace name in the plans (name.account-id)',
      };
    return { id, status: 'fail', title: ns, detail: `cannot be read: ${scrub(e.message)} [${e.code}]`, fix: cloudFix(e.code) };
  }
  if (identity !== undefined && !mayAdminister(identity, ns)) {
    const has = identity.namespaces[ns];
    return {
      id,
      status: 'fail',
      title: ns,
      detail: `readable, but the key has ${has === undefined ? 'no namespace role' : `only ${has}`} on it (${capacityText}): capacity changes would fail with CLOUD_OPS_PERMISSION_DENIED`,
      fix: `give the key Namespace Admin on ${ns}`,
    };
  }
  // Every value a plan asks for: a ramp's each step, not only its peak.
  const values = (lp: LoadedPlan): number[] => planSteps(lp.plan).map((s) => s.trus);
  const asked = [...new Set(plans.flatMap(values))].sort((a, b) => a - b);
  const refused = (lp: LoadedPlan): number[] => [...new Set(values(lp).filter((t) => valid.length > 0 && !valid.includes(t)))];
  const bad = plans.filter((lp) => refused(lp).length > 0);
  const validText = valid.length === 0 ? 'no valid TRU values reported' : `valid ${valid.join(', ')}`;
  const access = identity === undefined ? 'access not checked' : 'Namespace Admin';
  if (bad.length > 0) {
    return {
      id,
      status: 'fail',
      title: ns,
      detail: `${access}, ${capacityText}; ${bad.map((lp) => `plan ${lp.plan.name} (${lp.file}) asks ${refused(lp).join(', ')} TRU`).join(', ')}, not offered (${validText})`,
      fix: 'change the plan to a valid TRU value',
    };
  }
  return {
    id,
    status: identity === undefined ? 'warn' : 'ok',
    title: ns,
    detail: `${access}, ${capacityText}, plans ask ${asked.join(', ')} TRU (${validText})`,
  };
}
