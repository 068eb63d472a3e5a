/**
 * `capsched status [namespace] [--json]`: the present per namespace, as the running daemon sees
 * it (GET /present.json on its --listen address): capacity as Cloud Ops reports it, effective
 * TRUs, each active window (plan, TRUs, end, commit or manual change, Temporal UI link), the
 * next window. The same view model as the page and the `capsched dev` table.
 * Exit codes: 0 ok, 1 the daemon could not be read, 2 usage.
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../core/errors.js';
import type { PresentView } from '../core/present/model.js';
import { renderStatusText } from '../core/present/text.js';
import { DEFAULT_LISTEN } from '../daemon/index.js';
import { readDiscovery } from '../dev/discovery.js';
import { registerSecret, scrub } from '../log/secrets.js';
import type { Command } from './io.js';

const HELP = `usage: capsched status [namespace] [--json] [--url <daemon>]

Shows the present per namespace, read from a running \`capsched run\` (or \`capsched dev\`):
capacity as the Cloud Ops API reports it, effective TRUs (the coordinator), each active window
with its plan, TRUs, end, commit (or "manual") and Temporal UI link, and the next window.

options:
  --url <url>   the daemon's HTTP address (default http://$CAPSCHED_LISTEN or http://${DEFAULT_LISTEN};
                when neither is set and nothing answers there, a running \`capsched dev\` of this user,
                found through the file it writes: $XDG_RUNTIME_DIR/capsched/dev.json or
                <tmp>/capsched-<uid>/dev.json)
  --json        print the view model as JSON (what GET /present.json returns)
  -h, --help    show this help

environment:
  CAPSCHED_UI_TOKEN   sent as Authorization: Bearer when the daemon requires it

exit codes: 0 ok, 1 the daemon could not be read, 2 usage
`;

export const statusCommand: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, url: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (err) {
    io.stderr(`capsched status: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return ExitCode.usage;
  }
  if (parsed.values.help) {
    io.stdout(HELP);
    return ExitCode.ok;
  }
  if (parsed.positionals.length > 1) {
    io.stderr(`capsched status: expected at most one namespace, got ${parsed.positionals.length}\n\n${HELP}`);
    return ExitCode.usage;
  }
  const namespace = parsed.positionals[0];
  const listen = io.env.CAPSCHED_LISTEN?.trim();
  const given = parsed.values.url !== undefined || (listen !== undefined && listen !== '');
  let base = (parsed.values.url ?? `http://${listen || DEFAULT_LISTEN}`).replace(/\/+$/, '');
  const token = io.env.CAPSCHED_UI_TOKEN?.trim();
  if (token !== undefined && token !== '') registerSecret(token);
  const read = (url: string): Promise<Response> =>
    fetch(`${url}/present.json`, {
      headers: token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
  let view: PresentView;
  try {
    let response: Response;
    try {
      response = await read(base);
    } catch (err) {
      // Nothing at the default address: a running `capsched dev` of this user, when there is one.
      const dev = given ? undefined : readDiscovery(io.env);
      if (dev === undefined) throw err;
      base = dev.daemonUrl.replace(/\/+$/, '');
      io.stderr(`capsched status: nothing answers at http://${DEFAULT_LISTEN}; reading the running capsched dev (pid ${dev.pid}) at ${base}\n`);
      response = await read(base);
    }
    if (response.status === 401) {
      io.stderr(`capsched status: ${base} wants a token: set CAPSCHED_UI_TOKEN to the daemon's\n`);
      return 1;
    }
    if (!response.ok) {
      io.stderr(`capsched status: ${base}/present.json answered ${response.status}; is it a capsched daemon of this version?\n`);
      return 1;
    }
    view = (await response.json()) as PresentView;
  } catch (err) {
    io.stderr(
      `capsched status: cannot read the daemon at ${base}: ${scrub(err instanceof Error ? err.message : String(err))} (start \`capsched run\` or \`capsched dev\`, or pass --url)\n`,
    );
    return 1;
  }
  if (parsed.values.json) {
    const out = namespace === undefined ? view : { ...view, namespaces: view.namespaces.filter((n) => n.namespace === namespace) };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else io.stdout(renderStatusText(view, namespace));
  return namespace !== undefined && !view.namespaces.some((n) => n.namespace === namespace) ? 1 : ExitCode.ok;
};
