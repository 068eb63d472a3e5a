/**
 * `capsched worker`: runs the capacity-change worker alone (the daemon runs the same worker
 * in-process). SIGINT/SIGTERM drain it: in-flight activities get the shutdown grace time, then
 * the process exits 0.
 */
import { parseArgs } from 'node:util';
import * as compose from '../compose.js';
import { readCloudOpsSettings } from '../config/cloud-ops.js';
import { readTemporalSettings } from '../config/temporal.js';
import { readWorkerSettings } from '../config/worker-settings.js';
import { ExitCode, isCapschedError } from '../core/errors.js';
import { createLogger, scrub } from '../log/index.js';
import { installTemporalRuntime } from '../temporal/sdk-logger.js';
import type { Command } from './io.js';

const HELP = `usage: capsched worker [--task-queue Q] [--dry-run] [--reverify-interval D] [--no-reverify-self-heal] [--address HOST:PORT] [--namespace NS] [--profile P]

Runs the capacity-change worker: the workflow schedules start (scheduledCapacityChange), the
per-namespace coordinator, and their activities (Cloud Ops API, Slack alerts).

options:
  --task-queue Q      task queue to poll (default capacity-management; env CAPSCHED_TASK_QUEUE)
  --dry-run           decide and log every step, change no capacity, post no alert
                      (env CAPSCHED_DRY_RUN / DRY_RUN_MODE)
  --reverify-interval D
                      inside an active window, re-read capacity this often and restore an
                      out-of-band change (UI, tcld, Terraform), alerting once (default 15m;
                      0 = off; env CAPSCHED_REVERIFY_INTERVAL)
  --no-reverify-self-heal
                      only alert an out-of-band change, never restore it
                      (env CAPSCHED_REVERIFY_SELF_HEAL=false)
  --address, --namespace, --profile
                      Temporal connection (default: envconfig profile, TEMPORAL_ADDRESS,
                      TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*; localhost:7233/default)
  --workflow-bundle F prebuilt workflow bundle (default dist/workflow-bundle.js when fresh)

environment:
  TEMPORAL_CLOUD_API_KEY, TEMPORAL_CLOUD_ENDPOINT, TEMPORAL_CLOUD_ALLOW_INSECURE   Cloud Ops API
  SLACK_WEBHOOK_URL            alerts (without it, alerts are only logged)
  CAPSCHED_TEMPORAL_UI_URL     base of workflow links in alerts (default http://localhost:8233)
  NAMESPACE_ALLOWLIST, NAMESPACE_DENYLIST   comma-separated namespaces that may / may never change
  CAPSCHED_SHUTDOWN_GRACE      time in-flight activities get on shutdown (default 30s)
  CAPSCHED_SDK_METRICS_LISTEN  host:port of the Temporal SDK's Prometheus exporter (worker metrics; default off)

SIGINT or SIGTERM stops polling, lets in-flight activities finish, and exits 0.
`;

export const workerCommand: Command = async (argv, io) => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'task-queue': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'reverify-interval': { type: 'string' },
        'no-reverify-self-heal': { type: 'boolean' },
        address: { type: 'string' },
        namespace: { type: 'string' },
        profile: { type: 'string' },
        'workflow-bundle': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr(`capsched worker: ${(err as Error).message}\n\n${HELP}`);
    return ExitCode.usage;
  }
  if (values.help === true) {
    io.stdout(HELP);
    return ExitCode.ok;
  }
  const logger = createLogger({ name: 'capsched-worker' });
  let settings;
  let temporal;
  let cloud;
  try {
    settings = readWorkerSettings(io.env, {
      taskQueue: values['task-queue'] as string | undefined,
      dryRun: values['dry-run'] === true,
      ...(typeof values['reverify-interval'] === 'string' ? { reverifyInterval: values['reverify-interval'] } : {}),
      noReverifySelfHeal: values['no-reverify-self-heal'] === true,
    });
    temporal = readTemporalSettings(io.env, {
      address: values.address as string | undefined,
      namespace: values.namespace as string | undefined,
      profile: values.profile as string | undefined,
    });
    cloud = readCloudOpsSettings(io.env);
  } catch (err) {
    io.stderr(`capsched worker: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return isCapschedError(err) ? ExitCode.usage : ExitCode.internal;
  }
  if (cloud.apiKey === undefined && !settings.dryRun) {
    logger.warn('TEMPORAL_CLOUD_API_KEY is not set: capacity changes will fail with CLOUD_OPS_CONFIG until it is');
  }

  const sdkMetricsListen = io.env.CAPSCHED_SDK_METRICS_LISTEN?.trim() || undefined;
  try {
    installTemporalRuntime(logger, sdkMetricsListen === undefined ? {} : { metricsListen: sdkMetricsListen });
  } catch (err) {
    io.stderr(`capsched worker: CAPSCHED_SDK_METRICS_LISTEN ${sdkMetricsListen}: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.usage;
  }
  let connection: compose.TemporalConnection;
  try {
    connection = await compose.connectTemporal(temporal);
  } catch (err) {
    io.stderr(`capsched worker: cannot connect to Temporal at ${temporal.address}: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.invalid;
  }
  const cloudOps = compose.cloudOps(cloud, logger);
  const notifier = compose.notifier({ webhookUrl: settings.slackWebhookUrl, logger, dryRun: settings.dryRun });
  const worker = await compose.capacityWorker({
    connection: connection.connection,
    client: connection.client,
    namespace: temporal.namespace,
    taskQueue: settings.taskQueue,
    cloudOps,
    notifier,
    logger,
    settings,
    shutdownGraceMs: settings.shutdownGraceMs,
    ...(typeof values['workflow-bundle'] === 'string' ? { workflowBundlePath: values['workflow-bundle'] } : {}),
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight activities');
    worker.shutdown();
  };
  const onSigint = (): void => stop('SIGINT');
  const onSigterm = (): void => stop('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  logger.info(
    {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: settings.taskQueue,
      dryRun: settings.dryRun,
      slack: settings.slackWebhookUrl !== undefined,
    },
    'capacity worker running',
  );
  io.stderr(
    `capsched worker: polling task queue ${settings.taskQueue} on ${temporal.address} (namespace ${temporal.namespace})${settings.dryRun ? ' [dry run]' : ''}\n`,
  );
  try {
    await worker.run();
    logger.info('capacity worker stopped');
    return ExitCode.ok;
  } catch (err) {
    logger.error({ err }, 'capacity worker failed');
    io.stderr(`capsched worker: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return ExitCode.internal;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    cloudOps.close();
    await connection.close().catch(() => undefined);
  }
};
