/**
 * `capsched doctor`, the plan source: reachable, and its plans valid.
 */
import { readGitCredentials } from '../adapters/source/index.js';
import * as compose from '../compose.js';
import type { DoctorCheck } from '../core/doctor/checks.js';
import { isCapschedError } from '../core/errors.js';
import { validateAndLoadPlans } from '../core/plan/validate.js';
import type { LoadedPlan } from '../core/plan/load.js';
import { scrub } from '../log/secrets.js';
import type { CliIO } from './io.js';
import { cliLogger } from './log.js';
import { why, type Parsed } from './doctor-shared.js';

export async function checkSource(p: Parsed, io: CliIO, logger: ReturnType<typeof cliLogger>): Promise<{ check: DoctorCheck; plans?: LoadedPlan[] }> {
  const id = 'source';
  const title = 'Plan source';
  let described = p.source;
  try {
    const source = compose.planSource({ source: p.source, branch: p.branch, path: p.path, cwd: io.cwd, credentials: readGitCredentials(io.env), logger });
    described = source.describe();
    const snapshot = await source.snapshot();
    if (!snapshot.pathExists)
      return {
        check: {
          id,
          status: 'fail',
          title,
          detail: `${described} at ${snapshot.revision.slice(0, 12)}: the plans folder ${p.path} does not exist`,
          fix: 'check --path and --branch',
        },
      };
    const { report, plans } = validateAndLoadPlans(snapshot.files, { now: Date.now(), plansPath: p.path });
    if (!report.valid) {
      const first = report.errors[0];
      const where = first === undefined ? '' : ` (first: ${first.file}:${first.line}:${first.column} ${first.message})`;
      return {
        check: {
          id,
          status: 'fail',
          title,
          detail: `${described} at ${snapshot.revision.slice(0, 12)}: ${report.errors.length} error${report.errors.length === 1 ? '' : 's'}${where}; nothing would be applied`,
          fix: '`capsched validate` shows every problem',
        },
        plans,
      };
    }
    const namespaces = [...new Set(plans.map((lp) => lp.plan.namespace))];
    return {
      check: {
        id,
        status: 'ok',
        title,
        detail: `${described} at ${snapshot.revision.slice(0, 12)}: ${plans.length} plan${plans.length === 1 ? '' : 's'} valid, ${namespaces.length} namespace${namespaces.length === 1 ? '' : 's'}${report.warnings.length === 0 ? '' : `, ${report.warnings.length} warning(s)`}`,
      },
      plans,
    };
  } catch (err) {
    const code = isCapschedError(err) ? ` [${err.code}]` : '';
    return {
      check: {
        id,
        status: 'fail',
        title,
        detail: `${scrub(described)} cannot be read: ${why(err)}${code}`,
        fix: 'check --source / CAPSCHED_SOURCE, --branch, and CAPSCHED_GIT_TOKEN or the ssh key',
      },
    };
  }
}
