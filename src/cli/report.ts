import { readActionsPrice } from './actions-price.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simpleGit, type SimpleGit } from 'simple-git';
import { normalisePlansPath, readPlanFilesAtCommit, resolveCommit } from '../adapters/git/read-commit.js';
import * as compose from '../compose.js';
import { DEFAULT_GITHUB_API_URL, type PrCommentTarget } from '../adapters/github/index.js';
import { ExitCode, isCapschedError } from '../core/errors.js';
import type { LocatedPlan } from '../core/plan/plan-diff.js';
import { validateAndLoadPlans } from '../core/plan/validate.js';
import type { Issue } from '../core/plan/issues.js';
import { buildPrReport, type RevisionInput } from '../core/report/pr-build.js';
import { renderPrJson } from '../core/report/pr-json.js';
import { renderPrMarkdown } from '../core/report/pr-markdown.js';
import { GITHUB_COMMENT_LIMIT, PR_REPORT_MARKER, type ReportIssue } from '../core/report/pr-model.js';
import { Secret, scrub } from '../log/index.js';
import type { Command } from './io.js';
import { readThroughput } from './throughput.js';

export const REPORT_HELP = `usage: capsched report [options]

The pull-request report: what merging head into base does to capacity and cost. Reads the plans
of both revisions from git (the commits, never the work tree) and prints the validation of head,
the plan changes, per affected namespace a 7-day Mermaid timeline of effective TRUs (base and
head) and what a week of it is billed — billed TRU-hours, minimum Actions committed and the worst
case if unused (docs/billing.md) — and capacity warnings. Where a Cloud Ops key exists
(TEMPORAL_CLOUD_API_KEY), head's TRUs × 500 APS are compared with each affected namespace's
on-demand APS limit and 7-day p99; without one (CI usually) the report says so in one line. The markdown starts with the
marker <!-- capsched-report --> so CI can update one comment, and fits a GitHub comment.

  --base <ref>                base revision (default origin/main)
  --head <ref>                head revision (default HEAD; on a pull_request checkout that is
                              the merge commit, i.e. exactly what merging produces)
  --path <dir>                plans folder inside the repository (default schedules)
  --format <f>                markdown (default) or json (the same data, never summarised)
  --source <dir>              the plans repository checkout (default: current directory)
  --now <iso>                 reference instant, e.g. 2026-12-01T00:00:00Z (default: now); the
                              timeline starts at 00:00 UTC of that day
  --days <n>                  timeline length in days, 1–31 (default 7); figures are per week
  --managed-elsewhere <ns,…>  namespaces whose capacity another tool (e.g. Terraform) also
                              manages; a trailing * matches a prefix. Also read from
                              CAPSCHED_MANAGED_ELSEWHERE (comma-separated). Repeatable.
  --actions-price <usd>       USD per million Actions for the "worst case if unused" figures
                              (default 50, Temporal Cloud's list price; or CAPSCHED_ACTIONS_PRICE)
  --max-chars <n>             markdown length cap (default 60000; at most 65536)
  --fail-on-invalid           exit 1 when head does not validate (default: exit 0, the report
                              says so)
  --comment github            also create or update the one marked comment on the pull request
                              through GitHub's REST API (token from GITHUB_TOKEN; API root from
                              GITHUB_API_URL, default https://api.github.com, for GitHub
                              Enterprise Server). The markdown is still printed.
  --repo <owner/name>         the repository (default GITHUB_REPOSITORY)
  --pr <number>               the pull request (default: the pull_request event in
                              GITHUB_EVENT_PATH)
  -h, --help                  show this help

Exit status: 0 report printed (and the comment written), 1 git/IO error, GitHub refused or
unreachable (or invalid head with --fail-on-invalid), 2 usage error.
`;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*\*?$|^\*$/;

class UsageError extends Error {}

interface Options {
  base: string;
  head: string;
  path: string;
  format: 'markdown' | 'json';
  source: string;
  nowMs: number;
  days: number;
  managedElsewhere: string[];
  actionsPrice: number;
  maxChars: number;
  failOnInvalid: boolean;
  comment?: PrCommentTarget;
}

/** Where --comment github writes: flags first, then the GITHUB_* variables of an Actions run. */
function commentTarget(values: { repo?: string | undefined; pr?: string | undefined }, env: NodeJS.ProcessEnv, cwd: string): PrCommentTarget {
  const tokenText = (env.GITHUB_TOKEN ?? '').trim();
  if (tokenText === '')
    throw new UsageError(
      '--comment github needs a token in GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }}, with permissions pull-requests: write)',
    );
  const repository = (values.repo ?? env.GITHUB_REPOSITORY ?? '').trim();
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new UsageError(
      repository === '' ? '--comment github needs the repository: --repo owner/name or GITHUB_REPOSITORY' : `--repo "${repository}" is not owner/name`,
    );
  }
  let number: number | undefined;
  if (values.pr !== undefined) {
    if (!/^[1-9]\d*$/.test(values.pr)) throw new UsageError(`--pr "${values.pr}" is not a pull request number`);
    number = Number(values.pr);
  } else if ((env.GITHUB_EVENT_PATH ?? '') !== '') {
    const path = resolve(cwd, env.GITHUB_EVENT_PATH ?? '');
    let event: { pull_request?: { number?: unknown }; issue?: { number?: unknown; pull_request?: unknown }; number?: unknown };
    try {
      event = JSON.parse(readFileSync(path, 'utf8')) as typeof event;
    } catch (err) {
      throw new UsageError(`GITHUB_EVENT_PATH ${path} is not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const n = event.pull_request?.number ?? (event.issue?.pull_request !== undefined ? event.issue.number : undefined);
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) number = n;
  }
  if (number === undefined) throw new UsageError('--comment github needs the pull request: --pr <number>, or run on a pull_request event (GITHUB_EVENT_PATH)');
  const apiUrl = (env.GITHUB_API_URL ?? '').trim() || DEFAULT_GITHUB_API_URL;
  if (!/^https?:\/\/[^\s/]+/.test(apiUrl)) throw new UsageError(`GITHUB_API_URL "${apiUrl}" is not an http(s) URL`);
  return { apiUrl, repository, number, token: new Secret(tokenText) };
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        base: { type: 'string', default: 'origin/main' },
        head: { type: 'string', default: 'HEAD' },
        path: { type: 'string', default: 'schedules' },
        format: { type: 'string', default: 'markdown' },
        source: { type: 'string' },
        now: { type: 'string' },
        days: { type: 'string', default: '7' },
        'managed-elsewhere': { type: 'string', multiple: true },
        'actions-price': { type: 'string' },
        // Removed: refused with the replacement named (Temporal Cloud bills Actions, not TRU-hours).
        'tru-hour-price': { type: 'string' },
        currency: { type: 'string' },
        'max-chars': { type: 'string' },
        'fail-on-invalid': { type: 'boolean', default: false },
        comment: { type: 'string' },
        repo: { type: 'string' },
        pr: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  if (values.format !== 'markdown' && values.format !== 'json') throw new UsageError(`unknown --format "${values.format}"; use markdown or json`);
  for (const [flag, ref] of [
    ['--base', values.base],
    ['--head', values.head],
  ] as const) {
    if (ref === '' || ref.startsWith('-')) throw new UsageError(`${flag} "${ref}" is not a git revision`);
  }
  let path: string;
  try {
    path = normalisePlansPath(values.path);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  let nowMs = Date.now();
  if (values.now !== undefined) {
    nowMs = ISO_INSTANT.test(values.now) ? Date.parse(values.now) : Number.NaN;
    if (Number.isNaN(nowMs)) throw new UsageError(`--now "${values.now}" is not an ISO instant with a zone, e.g. 2026-12-01T00:00:00Z`);
  }
  const days = Number(values.days);
  if (!/^\d+$/.test(values.days) || days < 1 || days > 31) throw new UsageError('--days must be a whole number from 1 to 31');
  const managedElsewhere = [...(env.CAPSCHED_MANAGED_ELSEWHERE ?? '').split(','), ...(values['managed-elsewhere'] ?? []).flatMap((v) => v.split(','))]
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const ns of managedElsewhere) {
    if (!NAMESPACE_PATTERN.test(ns)) throw new UsageError(`--managed-elsewhere "${ns}" is not a namespace id (a trailing * matches a prefix)`);
  }
  if (values['tru-hour-price'] !== undefined || (env.CAPSCHED_TRU_HOUR_PRICE ?? '') !== '' || values.currency !== undefined)
    throw new UsageError(
      '--tru-hour-price, --currency and CAPSCHED_TRU_HOUR_PRICE were replaced by --actions-price (USD per million Actions, default 50): Temporal Cloud bills the Actions a TRU commits, not TRU-hours (docs/billing.md)',
    );
  const price = readActionsPrice(values['actions-price'], env);
  if (!price.ok) throw new UsageError(price.error);
  let maxChars = 60_000;
  if (values['max-chars'] !== undefined) {
    maxChars = Number(values['max-chars']);
    if (!/^\d+$/.test(values['max-chars']) || maxChars < 1000 || maxChars > GITHUB_COMMENT_LIMIT)
      throw new UsageError(`--max-chars must be a whole number from 1000 to ${GITHUB_COMMENT_LIMIT}`);
  }
  const options: Options = {
    base: values.base,
    head: values.head,
    path,
    format: values.format,
    source: resolve(cwd, values.source ?? '.'),
    nowMs,
    days,
    managedElsewhere,
    maxChars,
    failOnInvalid: values['fail-on-invalid'],
    actionsPrice: price.price,
  };
  if (values.comment !== undefined) {
    if (values.comment !== 'github') throw new UsageError(`unknown --comment "${values.comment}"; use github`);
    if (values.format !== 'markdown') throw new UsageError('--comment github posts the markdown report; it cannot be combined with --format json');
    options.comment = commentTarget({ repo: values.repo, pr: values.pr }, env, cwd);
  } else if (values.repo !== undefined || values.pr !== undefined) {
    throw new UsageError('--repo and --pr only apply with --comment github');
  }
  return options;
}

function toReportIssue(i: Issue): ReportIssue {
  const out: ReportIssue = { file: i.file, line: i.line, column: i.column, code: i.code, message: i.message };
  if (i.field !== '') out.field = i.field;
  return out;
}

/** Reads and validates the plans of one revision, straight from the commit. */
async function readRevision(git: SimpleGit, ref: string, path: string, nowMs: number): Promise<RevisionInput> {
  let commit: string;
  try {
    commit = await resolveCommit(git, ref);
  } catch (err) {
    if (isCapschedError(err) && err.code === 'source-ref-not-found') {
      const hint = ref.includes('/') ? ' — fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0)' : '';
      throw new Error(`git ref "${ref}" does not resolve to a commit${hint}`);
    }
    throw err;
  }
  const snapshot = await readPlanFilesAtCommit(git, commit, path);
  if (!snapshot.pathExists) return { ref, commit, pathExists: false, valid: false, plans: [], errors: [], warnings: [] };
  // One parse: the report and the plans it was computed from.
  const { report: validation, plans: loaded } = validateAndLoadPlans(snapshot.files, { now: nowMs, plansPath: path || '.' });
  const plans: LocatedPlan[] = loaded.map((p) => ({ plan: p.plan, file: p.file, line: p.line }));
  return {
    ref,
    commit,
    pathExists: true,
    valid: validation.valid,
    plans,
    errors: validation.errors.map(toReportIssue),
    warnings: validation.warnings.map(toReportIssue),
  };
}

export const reportCommand: Command = async (argv, io) => {
  let options: Options | 'help';
  try {
    options = parseOptions(argv, io.env, io.cwd);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`capsched report: ${err.message}\n\n${REPORT_HELP}`);
    return ExitCode.usage;
  }
  if (options === 'help') {
    io.stdout(REPORT_HELP);
    return ExitCode.ok;
  }

  let base: RevisionInput;
  let head: RevisionInput;
  try {
    if (!existsSync(options.source) || !statSync(options.source).isDirectory()) throw new Error(`--source ${options.source} is not a directory`);
    const git = simpleGit(options.source);
    const inside = await git.raw(['rev-parse', '--is-inside-work-tree', '--is-bare-repository']).catch(() => '');
    if (inside.trim() === '')
      throw new Error(`${options.source} is not a git repository; run capsched report in a checkout of the plans repository or pass --source`);
    // Both reads settle before the command answers: a failed one never leaves the other's git process running behind it.
    const [h, b] = await Promise.allSettled([
      readRevision(git, options.head, options.path, options.nowMs),
      readRevision(git, options.base, options.path, options.nowMs),
    ]);
    if (h.status === 'rejected') throw h.reason;
    if (b.status === 'rejected') throw b.reason;
    [head, base] = [h.value, b.value];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`capsched report: ${message}\n`);
    return ExitCode.invalid;
  }

  const report = buildPrReport({
    base,
    head,
    plansPath: options.path || '.',
    nowMs: options.nowMs,
    days: options.days,
    managedElsewhere: options.managedElsewhere,
    actionsPrice: options.actionsPrice,
  });
  // Head's plans on the affected namespaces against on-demand (one GetNamespaceCapacityInfo each; one line without a key).
  const affected = new Set(report.namespaces.map((n) => n.namespace));
  if (affected.size > 0)
    report.throughput = await readThroughput(
      io.env,
      head.plans.filter((lp) => affected.has(lp.plan.namespace)).map((lp) => ({ ...lp.plan, file: lp.file })),
    );
  const text = options.format === 'json' ? renderPrJson(report) : renderPrMarkdown(report, { maxChars: options.maxChars });
  io.stdout(text);
  let exit: number = ExitCode.ok;
  if (!report.validation.valid) {
    const why = report.head.pathExists
      ? `${report.validation.errors.length} error${report.validation.errors.length === 1 ? '' : 's'}`
      : `plans path ${report.plansPath} does not exist`;
    io.stderr(`capsched report: head ${options.head} does not validate (${why})\n`);
    if (options.failOnInvalid) exit = ExitCode.invalid;
  }
  if (options.comment !== undefined) {
    const where = `${options.comment.repository}#${options.comment.number}`;
    try {
      const written = await compose.prCommenter(options.comment).upsert(PR_REPORT_MARKER, text);
      io.stderr(`capsched report: ${written.action} the report comment on ${where}${written.url === undefined ? '' : `: ${written.url}`}\n`);
    } catch (err) {
      const code = isCapschedError(err) ? ` [${err.code}]` : '';
      io.stderr(`capsched report: could not write the report comment on ${where}: ${scrub(err instanceof Error ? err.message : String(err))}${code}\n`);
      exit = ExitCode.invalid;
    }
  }
  return exit;
};
