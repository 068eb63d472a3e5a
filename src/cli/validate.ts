import { parseArgs } from 'node:util';
import { readPlanPaths } from '../adapters/source/folder-reader.js';
import { ExitCode, isCapschedError } from '../core/errors.js';
import { validatePlans, DEFAULT_HORIZON_DAYS, type ValidationReport } from '../core/plan/validate.js';
import { formatValidationGithub } from '../core/report/validation-github.js';
import { formatValidationJson } from '../core/report/validation-json.js';
import { formatValidationMarkdown } from '../core/report/validation-markdown.js';
import { formatValidationText } from '../core/report/validation-text.js';
import type { Command } from './io.js';
import { ACTIONS_PRICE_HELP, readActionsPrice } from './actions-price.js';

const FORMATS: Record<string, (r: ValidationReport) => string> = {
  text: formatValidationText,
  json: formatValidationJson,
  github: formatValidationGithub,
  markdown: formatValidationMarkdown,
};

export const VALIDATE_HELP = `usage: capsched validate [paths...] [options]

Checks capacity plans (*.yaml/*.yml; folders are read recursively, symlinks never followed) and
shows what they mean: each plan's next 3 windows in its zone and UTC, and per namespace what a week
of it is billed: billed TRU-hours, minimum Actions committed, and the worst case if unused.

  paths                 plan files or folders (default: ./schedules)
  --format <f>          text (default, file:line:col), json, github (workflow annotations), markdown
  --strict              treat warnings as errors
  --now <iso>           evaluate time-based checks as of this instant (reproducible output),
                        e.g. 2026-12-01T00:00:00Z
  --horizon-days <n>    how far ahead to look for overlapping windows (default ${DEFAULT_HORIZON_DAYS})
  ${ACTIONS_PRICE_HELP}
  -h, --help            show this help

Exit status: 0 valid, 1 invalid (or a warning with --strict), 2 usage error.
`;

export const validateCommand: Command = async (argv, io) => {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', default: 'text' },
        strict: { type: 'boolean', default: false },
        now: { type: 'string' },
        'horizon-days': { type: 'string' },
        'actions-price': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.stderr(`capsched validate: ${err instanceof Error ? err.message : String(err)}\n\n${VALIDATE_HELP}`);
    return ExitCode.usage;
  }
  if (values.help) {
    io.stdout(VALIDATE_HELP);
    return ExitCode.ok;
  }
  const format = FORMATS[values.format];
  if (format === undefined) {
    io.stderr(`capsched validate: unknown --format "${values.format}"; use text, json, github or markdown\n`);
    return ExitCode.usage;
  }
  let now = Date.now();
  if (values.now !== undefined) {
    const parsed = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(values.now) ? Date.parse(values.now) : Number.NaN;
    if (Number.isNaN(parsed)) {
      io.stderr(`capsched validate: --now "${values.now}" is not an ISO instant with a zone, e.g. 2026-12-01T00:00:00Z\n`);
      return ExitCode.usage;
    }
    now = parsed;
  }
  let horizonDays = DEFAULT_HORIZON_DAYS;
  if (values['horizon-days'] !== undefined) {
    horizonDays = Number(values['horizon-days']);
    if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3660) {
      io.stderr('capsched validate: --horizon-days must be a whole number from 1 to 3660\n');
      return ExitCode.usage;
    }
  }
  const price = readActionsPrice(values['actions-price'], io.env);
  if (!price.ok) {
    io.stderr(`capsched validate: ${price.error}\n`);
    return ExitCode.usage;
  }
  const paths = positionals.length > 0 ? positionals : ['schedules'];
  let read;
  try {
    read = await readPlanPaths(paths, io.cwd);
  } catch (err) {
    io.stderr(`capsched validate: ${isCapschedError(err) ? err.message : 'cannot read the plan files'}\n`);
    return ExitCode.usage;
  }
  if (read.missing.length > 0) {
    io.stderr(`capsched validate: no such file or folder: ${read.missing.join(', ')}\n`);
    return ExitCode.usage;
  }
  const report = validatePlans(read.files, { now, strict: values.strict, horizonDays, plansPath: paths.join(', '), actionsPrice: price.price });
  io.stdout(format(report));
  return report.valid ? ExitCode.ok : ExitCode.invalid;
};
