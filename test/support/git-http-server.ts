import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, basename } from 'node:path';
import { after, type TestContext } from 'node:test';

export interface GitHttpServer {
  /** http://127.0.0.1:<port>/<repo name> */
  url: string;
  /** The credentials the server accepts now; change them to "revoke". */
  accept: { username: string; password: string };
  /** Every Authorization-free request line the server saw (to check URLs carry no secrets). */
  requests: string[];
  /** Hold each new request this long before answering (a hanging remote); 0 = answer at once. */
  delayMs: number;
  /** Requests being held right now. */
  held: number;
}

/**
 * A real smart-HTTP git server: `git http-backend` behind node:http with Basic auth, serving
 * one bare repository. Used to prove credentials travel through GIT_ASKPASS only.
 */
export async function serveBareRepo(bareRepo: string, accept: { username: string; password: string }, ctx?: TestContext): Promise<GitHttpServer> {
  const state: GitHttpServer = { url: '', accept, requests: [], delayMs: 0, held: 0 };
  const delayed = (req: IncomingMessage, res: ServerResponse): void => {
    state.requests.push(`${req.method} ${req.url}`);
    if (state.delayMs <= 0) return handler(req, res);
    state.held++;
    const timer = setTimeout(() => {
      state.held--;
      handler(req, res);
    }, state.delayMs);
    res.on('close', () => {
      if (!res.writableEnded) {
        clearTimeout(timer);
        state.held = Math.max(0, state.held - 1);
      }
    });
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const expected = `Basic ${Buffer.from(`${state.accept.username}:${state.accept.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('unauthorized\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: dirname(bareRepo),
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        REMOTE_USER: state.accept.username,
        REMOTE_ADDR: '127.0.0.1',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    });
    req.pipe(child.stdin);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', () => {
      const out = Buffer.concat(chunks);
      const split = out.indexOf('\r\n\r\n') >= 0 ? out.indexOf('\r\n\r\n') : out.indexOf('\n\n');
      const sepLength = out.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
      const head = out.subarray(0, split).toString('utf8');
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.end(out.subarray(split + sepLength));
    });
  };
  const server = createServer(delayed);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (ctx === undefined ? after : ctx.after.bind(ctx))(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${basename(bareRepo)}`;
  return state;
}
