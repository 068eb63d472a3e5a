/**
 * `capsched init [--dry-run]`: registers capsched's six search attributes on the Temporal
 * namespace, idempotently. A self-hosted or dev server: the Operator service
 * (AddSearchAttributes, what `temporal operator search-attribute create` calls). Temporal Cloud:
 * the Cloud Ops API (read-modify-write of the namespace spec's search_attributes with its
 * resource_version, as an async operation, like a capacity change).
 * Exit codes: 0 registered / nothing to do / dry run, 1 could not (unreachable, permission, a
 * wrong type), 2 usage or configuration.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CloudOpsErrorCode, searchAttributesOfSpec } from '../adapters/cloud-ops/index.js';
import * as compose from '../compose.js';
import { readCloudOpsSettings } from '../config/cloud-ops.js';
import { readTemporalSettings } from '../config/temporal.js';
import { CapschedError, ExitCode, grpcCodeOf } from '../core/errors.js';
import {
  CAPSCHED_SEARCH_ATTRIBUTES,
  CAPSCHED_SEARCH_ATTRIBUTE_NAMES,
  checkSearchAttributes,
  searchAttributeFix,
  type CapschedSearchAttribute,
  type SearchAttributeCheck,
} from '../core/search-attributes.js';
import { scrub } from '../log/secrets.js';
import type { CliIO, Command } from './io.js';
import { cliLogger, routeTemporalSdkLogs } from './log.js';

export const INIT_HELP = `usage: capsched init [--dry-run] [options]

Registers capsched's six search attributes (Keyword: ${CAPSCHED_SEARCH_ATTRIBUTE_NAMES.join(', ')})
on the Temporal namespace that holds the schedules. Idempotent: what is there stays, only what is
missing is added; a second run changes nothing.

  --dry-run               say what would be registered, change nothing
  --via <how>             operator: the Temporal Operator service (self-hosted, dev server);
                          cloud: the Temporal Cloud Ops API (needs TEMPORAL_CLOUD_API_KEY with
                          Namespace Admin on the namespace); auto (default): cloud when the
                          Temporal address is a Temporal Cloud endpoint (*.tmprl.cloud, *.api.temporal.io)
  --cloud-namespace <ns>  the namespace's Temporal Cloud name (default: --namespace)
  --address <host:port>   Temporal frontend (env TEMPORAL_ADDRESS; envconfig profiles apply)
  --namespace <ns>        Temporal namespace holding the schedules (env TEMPORAL_NAMESPACE)
  --profile <name>        envconfig profile (env TEMPORAL_PROFILE)
  -h, --help              show this help

environment (cloud): TEMPORAL_CLOUD_API_KEY, TEMPORAL_CLOUD_ENDPOINT, TEMPORAL_CLOUD_ALLOW_INSECURE

Exit status: 0 registered, nothing to do, or --dry-run; 1 not possible (unreachable, permission
missing, an attribute registered with another type); 2 usage or configuration.
`;

/** Temporal Cloud's gRPC endpoints (namespace endpoints and regional API-key endpoints). */
export function isTemporalCloudAddress(address: string): boolean {
  const host = address.replace(/:\d+$/, '').toLowerCase();
  return host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io');
}

function serverText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) if (!parts.includes(e.message)) parts.push(e.message);
  return scrub(parts.join(': '));
}

function lines(check: SearchAttributeCheck, action: { verb: string; names: readonly CapschedSearchAttribute[] }): string[] {
  const width = Math.max(...CAPSCHED_SEARCH_ATTRIBUTE_NAMES.map((n) => n.length));
  return CAPSCHED_SEARCH_ATTRIBUTE_NAMES.map((name) => {
    const wrong = check.wrongType.find((w) => w.name === name);
    if (wrong !== undefined)
      return `  ✗ ${name.padEnd(width)}  registered as ${wrong.type}, not Keyword: capsched cannot use it (remove or rename it by hand, then run init again)`;
    if (action.names.includes(name)) return `  + ${name.padEnd(width)}  Keyword  ${action.verb}`;
    return `  ✓ ${name.padEnd(width)}  Keyword  already registered`;
  });
}

interface Parsed {
  dryRun: boolean;
  via: 'auto' | 'operator' | 'cloud';
  cloudNamespace?: string;
  address?: string;
  namespace?: string;
  profile?: string;
}

function parse(argv: string[]): Parsed | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'dry-run': { type: 'boolean', default: false },
      via: { type: 'string', default: 'auto' },
      'cloud-namespace': { type: 'string' },
      address: { type: 'string' },
      namespace: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help === true) return 'help';
  const via = String(values.via);
  if (via !== 'auto' && via !== 'operator' && via !== 'cloud') throw new Error(`unknown --via "${via}"; use operator, cloud or auto`);
  return {
    dryRun: values['dry-run'] === true,
    via,
    ...(values['cloud-namespace'] === undefined ? {} : { cloudNamespace: values['cloud-namespace'] }),
    ...(values.address === undefined ? {} : { address: values.address }),
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
  };
}

/** The Operator-service path (self-hosted, dev server). */
async function initOperator(p: Parsed, io: CliIO): Promise<number> {
  const settings = readTemporalSettings(io.env, {
    ...(p.address === undefined ? {} : { address: p.address }),
    ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
    ...(p.profile === undefined ? {} : { profile: p.profile }),
  });
  const where = `Temporal namespace ${settings.namespace} at ${settings.address}`;
  let temporal: compose.TemporalConnection | undefined;
  try {
    try {
      await routeTemporalSdkLogs(cliLogger(io, 'text'), 'text', io);
      temporal = await compose.connectTemporal(settings);
    } catch (err) {
      io.stderr(
        `capsched init: cannot connect to Temporal at ${settings.address} (namespace ${settings.namespace}): ${serverText(err)} — check --address / TEMPORAL_ADDRESS or the envconfig profile [TEMPORAL_UNAVAILABLE]\n`,
      );
      return ExitCode.invalid;
    }
    const attributes = compose.namespaceSearchAttributes(temporal.client);
    let check: SearchAttributeCheck;
    try {
      check = await attributes.check();
    } catch (err) {
      const code = grpcCodeOf(err);
      if (code === GrpcStatus.NOT_FOUND)
        io.stderr(
          `capsched init: namespace ${settings.namespace} does not exist at ${settings.address}: ${serverText(err)} (create it, or pass --namespace) [TEMPORAL_NAMESPACE_NOT_FOUND]\n`,
        );
      else if (code === GrpcStatus.PERMISSION_DENIED || code === GrpcStatus.UNAUTHENTICATED)
        io.stderr(
          `capsched init: the Temporal credentials may not read the search attributes of ${settings.namespace}: ${serverText(err)} [TEMPORAL_PERMISSION_DENIED]\n`,
        );
      else io.stderr(`capsched init: cannot read the search attributes of ${where}: ${serverText(err)} [TEMPORAL_ERROR]\n`);
      return ExitCode.invalid;
    }
    return await report(io, where, 'the Operator service', check, p.dryRun, async (names) => {
      try {
        await attributes.add(names);
      } catch (err) {
        const code = grpcCodeOf(err);
        if (code === GrpcStatus.PERMISSION_DENIED || code === GrpcStatus.UNAUTHENTICATED) {
          throw new CapschedError(
            'TEMPORAL_PERMISSION_DENIED',
            `the Temporal credentials may not add search attributes to ${settings.namespace} (${serverText(err)}): the Operator service's AddSearchAttributes needs an admin of the cluster or namespace (on Temporal Cloud, run \`capsched init --via cloud\` with a TEMPORAL_CLOUD_API_KEY that is Namespace Admin). Or ${searchAttributeFix(names, settings.namespace)}`,
          );
        }
        const cloudHint = code === GrpcStatus.UNIMPLEMENTED ? ' (on Temporal Cloud, run `capsched init --via cloud` with TEMPORAL_CLOUD_API_KEY)' : '';
        throw new CapschedError('TEMPORAL_ERROR', `Temporal refused to add search attributes to ${settings.namespace}: ${serverText(err)}${cloudHint}`);
      }
      const after = await attributes.check();
      const still = names.filter((n) => !after.present.includes(n));
      if (still.length > 0)
        throw new CapschedError(
          'SEARCH_ATTRIBUTES_MISSING',
          `Temporal accepted the request but ${still.join(', ')} ${still.length === 1 ? 'is' : 'are'} still not listed on ${settings.namespace}; run \`capsched init\` again in a minute`,
        );
      return '';
    });
  } finally {
    await temporal?.close().catch(() => undefined);
  }
}

/** The Cloud Ops path (Temporal Cloud). */
async function initCloud(p: Parsed, io: CliIO): Promise<number> {
  const temporalSettings = readTemporalSettings(io.env, {
    ...(p.address === undefined ? {} : { address: p.address }),
    ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
    ...(p.profile === undefined ? {} : { profile: p.profile }),
  });
  const namespace = p.cloudNamespace ?? temporalSettings.namespace;
  let settings;
  try {
    settings = readCloudOpsSettings(io.env);
  } catch (err) {
    io.stderr(`capsched init: ${serverText(err)} [${err instanceof CapschedError ? err.code : CloudOpsErrorCode.config}]\n`);
    return ExitCode.usage;
  }
  if (settings.apiKey === undefined) {
    io.stderr(
      `capsched init: TEMPORAL_CLOUD_API_KEY is not set: registering search attributes on Temporal Cloud goes through the Cloud Ops API and needs an API key with Namespace Admin on ${namespace} [${CloudOpsErrorCode.config}]\n`,
    );
    return ExitCode.usage;
  }
  const where = `Temporal Cloud namespace ${namespace}`;
  const client = compose.cloudOps(settings);
  const explain = (err: unknown): string => {
    const e = err instanceof CapschedError ? err : new CapschedError(CloudOpsErrorCode.unavailable, serverText(err));
    if (e.code === CloudOpsErrorCode.permissionDenied)
      return `the API key (TEMPORAL_CLOUD_API_KEY) may not change ${namespace}: it needs the Namespace Admin role on it (or Account Owner / Global Admin). ${scrub(e.message)} [${e.code}]`;
    if (e.code === CloudOpsErrorCode.unauthenticated)
      return `the API key (TEMPORAL_CLOUD_API_KEY) was refused: invalid, expired or for another account. ${scrub(e.message)} [${e.code}]`;
    if (e.code === CloudOpsErrorCode.notFound)
      return `namespace ${namespace} was not found in the account (pass --cloud-namespace <name>.<account>). ${scrub(e.message)} [${e.code}]`;
    return `${scrub(e.message)} [${e.code}]`;
  };
  try {
    let check: SearchAttributeCheck;
    try {
      const ns = await client.getNamespace(namespace);
      check = checkSearchAttributes(searchAttributesOfSpec(ns.spec));
    } catch (err) {
      io.stderr(`capsched init: cannot read ${where}: ${explain(err)}\n`);
      return ExitCode.invalid;
    }
    return await report(io, where, 'the Cloud Ops API', check, p.dryRun, async (names) => {
      const operationId = `capsched-init-${randomUUID()}`;
      let result;
      try {
        result = await client.addSearchAttributes(namespace, Object.fromEntries(names.map((n) => [n, CAPSCHED_SEARCH_ATTRIBUTES[n]])), operationId);
        if (result.added.length === 0) return ' (someone else added them meanwhile)';
        await client.waitForOperation(result.operationId);
      } catch (err) {
        throw new CapschedError(err instanceof CapschedError ? err.code : CloudOpsErrorCode.unavailable, explain(err).replace(/ \[[A-Z_]+\]$/, ''));
      }
      return ` (async operation ${result.operationId} fulfilled)`;
    });
  } finally {
    client.close();
  }
}

async function report(
  io: CliIO,
  where: string,
  how: string,
  check: SearchAttributeCheck,
  dryRun: boolean,
  register: (names: CapschedSearchAttribute[]) => Promise<string>,
): Promise<number> {
  const missing = check.missing;
  const wrong = check.wrongType.length > 0;
  if (missing.length === 0) {
    io.stdout(`capsched init: ${where}\n${lines(check, { verb: '', names: [] }).join('\n')}\n`);
    if (wrong) {
      io.stderr(
        `capsched init: ${check.wrongType.map((w) => w.name).join(', ')} ${check.wrongType.length === 1 ? 'has' : 'have'} the wrong type; capsched cannot fix that itself (a search attribute's type cannot change) [SEARCH_ATTRIBUTES_MISSING]\n`,
      );
      return ExitCode.invalid;
    }
    io.stdout(`Nothing to do: all ${CAPSCHED_SEARCH_ATTRIBUTE_NAMES.length} search attributes are registered.\n`);
    return ExitCode.ok;
  }
  if (dryRun) {
    io.stdout(`capsched init --dry-run: ${where}\n${lines(check, { verb: `would be registered (through ${how})`, names: missing }).join('\n')}\n`);
    io.stdout(`Would register ${missing.length} search attribute${missing.length === 1 ? '' : 's'}; nothing was changed. Run \`capsched init\` to do it.\n`);
    return wrong ? ExitCode.invalid : ExitCode.ok;
  }
  let note: string;
  try {
    note = await register(missing);
  } catch (err) {
    const e = err instanceof CapschedError ? err : new CapschedError('TEMPORAL_ERROR', serverText(err));
    io.stdout(`capsched init: ${where}\n${lines(check, { verb: 'NOT registered', names: missing }).join('\n')}\n`);
    io.stderr(`capsched init: nothing was registered: ${scrub(e.message)} [${e.code}]\n`);
    return ExitCode.invalid;
  }
  io.stdout(`capsched init: ${where}\n${lines(check, { verb: `registered (through ${how})`, names: missing }).join('\n')}\n`);
  io.stdout(
    `Registered ${missing.length} search attribute${missing.length === 1 ? '' : 's'}${note}; ${check.present.length} ${check.present.length === 1 ? 'was' : 'were'} already there.\n`,
  );
  return wrong ? ExitCode.invalid : ExitCode.ok;
}

export const initCommand: Command = async (argv, io) => {
  let parsed: Parsed | 'help';
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr(`capsched init: ${err instanceof Error ? err.message : String(err)}\n\n${INIT_HELP}`);
    return ExitCode.usage;
  }
  if (parsed === 'help') {
    io.stdout(INIT_HELP);
    return ExitCode.ok;
  }
  let via = parsed.via;
  try {
    // Read once here so a bad profile or setting is a usage error, not a crash.
    const settings = readTemporalSettings(io.env, {
      ...(parsed.address === undefined ? {} : { address: parsed.address }),
      ...(parsed.namespace === undefined ? {} : { namespace: parsed.namespace }),
      ...(parsed.profile === undefined ? {} : { profile: parsed.profile }),
    });
    if (via === 'auto') via = isTemporalCloudAddress(settings.address) ? 'cloud' : 'operator';
  } catch (err) {
    io.stderr(`capsched init: the Temporal connection settings cannot be read: ${serverText(err)}\n`);
    return ExitCode.usage;
  }
  return via === 'cloud' ? initCloud(parsed, io) : initOperator(parsed, io);
};
