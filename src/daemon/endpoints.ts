/**
 * The daemon's HTTP endpoints wired to its parts: /healthz and /readyz from readiness, /metrics
 * from the counters, the page's reading and the SDK exporter, /status, the page, and /webhook
 * triggering a pass. The server itself is ./http-server.ts.
 */
import type { PresentView } from '../core/present/model.js';
import type { ReconcilerState } from '../core/reconciler-contract.js';
import type { Logger } from '../log/index.js';
import type { Secret } from '../log/secrets.js';
import { renderPage } from '../ui/page.js';
import type { AppliedRecord } from './applied-record.js';
import { startDaemonHttpServer, type DaemonHttpServer, type WebhookDecision } from './http-server.js';
import type { DaemonMetrics } from './metrics.js';
import type { PresentReader } from './present.js';

export interface DaemonEndpointsOptions {
  listen: string;
  /** The HTTP server's logger. */
  logger: Logger;
  /** The daemon's own (component daemon). */
  log: Logger;
  readiness: () => Promise<{ ready: boolean; reasons: string[]; state: ReconcilerState | undefined }>;
  status: () => Promise<unknown>;
  present: PresentReader;
  presentView: () => Promise<PresentView>;
  record: AppliedRecord;
  sourceDescription: () => string;
  metrics: DaemonMetrics;
  workerStates: () => Record<string, string>;
  sdkMetricsUrl: string | undefined;
  /** A webhook asks for a pass: the daemon decides (./triggers.ts createWebhookGate). */
  webhook: (reason: string, head: string | undefined) => WebhookDecision;
  refreshSeconds: number;
  uiToken: Secret | undefined;
  webhookSecret: Secret | undefined;
}

export function startDaemonEndpoints(o: DaemonEndpointsOptions): Promise<DaemonHttpServer> {
  const { logger } = o;
  return startDaemonHttpServer({
    listen: o.listen,
    logger,
    ready: async () => o.readiness(),
    metrics: async () => {
      const { ready, state } = await o.readiness();
      const applied = o.record.applied;
      const drift = o.record.drift;
      // The page's reading (one coordinator query and one Cloud Ops read per namespace, cached briefly).
      const view = await o.present
        .view({ applied, state, sourceDescription: o.sourceDescription(), alerts: [], ...(drift === undefined ? {} : { drift }) })
        .catch((err: unknown) => {
          o.log.debug({ err }, 'metrics: the plans and namespaces could not be read');
          return undefined;
        });
      const own = await o.metrics.render({
        state,
        ready,
        workers: o.workerStates(),
        ...(view === undefined ? {} : { view }),
        ...(applied === undefined ? {} : { applied }),
      });
      return o.sdkMetricsUrl === undefined ? own : own + (await sdkMetricsText(o.sdkMetricsUrl, o.log));
    },
    trigger: (reason, head) => o.webhook(reason, head),
    status: o.status,
    present: o.presentView,
    page: async () => renderPage(await o.presentView(), { refreshSeconds: o.refreshSeconds }),
    ...(o.uiToken === undefined ? {} : { uiToken: o.uiToken }),
    webhookSecret: o.webhookSecret,
    onWebhook: (outcome) => o.metrics.recordWebhook(outcome),
  });
}

/** The SDK exporter's text; when it cannot be read, a comment says so (the rest of /metrics is still served). */
async function sdkMetricsText(url: string, logger: Logger): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  } catch (err) {
    logger.debug({ err, url }, 'metrics: the Temporal SDK exporter could not be read');
    return '# the Temporal SDK metrics exporter could not be read\n';
  }
}
