import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CapschedError } from '../core/errors.js';
import type { Logger } from '../log/index.js';
import type { Secret } from '../log/secrets.js';
import { DeliveryCache, verifyGithubSignature } from './webhook.js';

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface DaemonHttpOptions {
  /** host:port; port 0 picks a free port. */
  listen: string;
  logger: Logger;
  /** Readiness: ok, plus reasons shown in the body when not ready. */
  ready: () => Promise<{ ready: boolean; reasons: string[] }>;
  metrics: () => Promise<string>;
  /** GET /status: the installation's reconciler state as JSON (no secrets). */
  status?: () => Promise<unknown>;
  /** GET /: capsched's page (HTML), read-only. */
  page?: () => Promise<string>;
  /** GET /present.json: the page's view model (`capsched status` reads it). */
  present?: () => Promise<unknown>;
  /** CAPSCHED_UI_TOKEN: when set, GET /, /present.json and /status need `Authorization: Bearer <token>` (or the cookie `/?token=` sets). */
  uiToken?: Secret;
  /**
   * Called for an accepted webhook delivery; must only schedule a pass (coalesced by the caller).
   * `head`: the pushed commit (`after`), given only when the delivery's signature was verified.
   * Returns what became of it: a pass now, one pass later for a burst, or none (the commit is the one applied).
   */
  trigger: (reason: string, head?: string) => WebhookDecision;
  /** GitHub webhook secret; without it every POST /webhook is a trigger (loopback use). */
  webhookSecret?: Secret;
  onWebhook?: (outcome: string) => void;
  deliveryTtlMs?: number;
}

/** What an accepted webhook delivery led to. */
export type WebhookDecision = { outcome: 'accepted' } | { outcome: 'coalesced'; withinMs: number } | { outcome: 'same-commit'; revision: string };

/** The pushed commit of a signed push delivery (`after`); undefined when absent, malformed or a branch deletion. */
export function pushedHead(body: Buffer): string | undefined {
  try {
    const after = (JSON.parse(body.toString('utf8')) as { after?: unknown }).after;
    if (typeof after !== 'string' || !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(after) || /^0+$/.test(after)) return undefined;
    return after;
  } catch {
    return undefined;
  }
}

/** True for a loopback host: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Why a listener beyond loopback needs a webhook secret, and the ways out. */
export function insecureListenerMessage(listen: string, secretVariable = 'CAPSCHED_WEBHOOK_SECRET'): string {
  return (
    `--listen ${listen} is beyond loopback and ${secretVariable} is not set: anyone who can reach the port could POST /webhook ` +
    `and make capsched check the plan source (a git fetch each; a reconcile pass, billed Actions on your Temporal namespace, whenever the head changed). Set ${secretVariable} to the GitHub webhook's secret ` +
    `(e.g. openssl rand -hex 32), or listen on loopback (--listen 127.0.0.1:9464), or accept the risk explicitly with CAPSCHED_WEBHOOK_INSECURE=1.`
  );
}

export interface DaemonHttpServer {
  /** "host:port" actually bound. */
  address: string;
  close(): Promise<void>;
}

/** Parses "host:port", "[v6]:port" or ":port" (loopback) into parts. */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new CapschedError('config-listen-invalid', `--listen "${listen}" must be host:port, e.g. 127.0.0.1:9464`);
  }
  const host = match[1] ?? (match[2] === '' || match[2] === undefined ? '127.0.0.1' : match[2]);
  return { host, port };
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const TOKEN_COOKIE = 'capsched_ui_token';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bearer token from the Authorization header or capsched's cookie. */
function presentedToken(req: IncomingMessage): string | undefined {
  const auth = header(req, 'authorization');
  if (auth !== undefined && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // No script, no frames, no outside resources: the page is inline HTML, CSS and SVG only.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Reads the raw body up to `limit` bytes; undefined when it is larger (the caller answers 413),
 * 'aborted' when the client went away first.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined | 'aborted'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    req.on('close', () => resolve('aborted'));
    req.on('error', reject);
  });
}

/**
 * The daemon's HTTP surface: /healthz (process alive), /readyz, /metrics and POST /webhook.
 * The webhook only ever schedules a pull: nothing in the body is used (content comes from git).
 */
export async function startDaemonHttpServer(options: DaemonHttpOptions): Promise<DaemonHttpServer> {
  const { host, port } = parseListen(options.listen);
  const log = options.logger.child({ component: 'http' });
  const deliveries = new DeliveryCache(options.deliveryTtlMs);
  const outcome = (name: string): void => options.onWebhook?.(name);

  const webhook = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const declared = Number(header(req, 'content-length') ?? '0');
    if (Number.isFinite(declared) && declared > MAX_WEBHOOK_BODY_BYTES) {
      outcome('too-large');
      res.setHeader('connection', 'close');
      send(res, 413, 'payload too large\n');
      req.resume();
      return;
    }
    const body = await readBody(req, MAX_WEBHOOK_BODY_BYTES);
    if (body === 'aborted') return;
    if (body === undefined) {
      outcome('too-large');
      res.setHeader('connection', 'close');
      send(res, 413, 'payload too large\n');
      return;
    }
    // Authenticate before anything else looks at the request.
    if (options.webhookSecret !== undefined && !verifyGithubSignature(options.webhookSecret.reveal(), body, header(req, 'x-hub-signature-256'))) {
      outcome('unauthorized');
      log.warn({ remote: req.socket.remoteAddress }, 'webhook rejected: missing or invalid signature');
      send(res, 401, 'unauthorized\n');
      return;
    }
    const delivery = header(req, 'x-github-delivery');
    if (delivery !== undefined && delivery !== '' && deliveries.seen(delivery.slice(0, 128), Date.now())) {
      outcome('duplicate');
      send(res, 202, 'duplicate delivery ignored\n');
      return;
    }
    const event = header(req, 'x-github-event');
    if (event === 'ping') {
      outcome('ping');
      send(res, 200, 'pong\n');
      return;
    }
    if (event !== undefined && event !== 'push') {
      outcome('ignored');
      send(res, 202, 'event ignored\n');
      return;
    }
    // The body is trusted only when signed: then a push of the commit already applied starts no pass.
    const head = options.webhookSecret !== undefined && event === 'push' ? pushedHead(body) : undefined;
    const decision = options.trigger('webhook', head);
    outcome(decision.outcome);
    if (decision.outcome === 'same-commit') {
      log.info({ event, delivery, revision: decision.revision }, 'webhook: the pushed commit is the one applied; no pass');
      send(res, 202, `already at ${decision.revision.slice(0, 12)}: no pass\n`);
      return;
    }
    if (decision.outcome === 'coalesced') {
      log.info({ event: event ?? 'generic', delivery, withinMs: decision.withinMs }, 'webhook accepted: coalesced into one check');
      send(res, 202, `accepted: coalesced into one check within ${Math.ceil(decision.withinMs / 1000)} s\n`);
      return;
    }
    log.info({ event: event ?? 'generic', delivery }, 'webhook accepted: fetching the source');
    send(res, 202, 'accepted\n');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/webhook') {
      if (req.method !== 'POST') return send(res, 405, 'method not allowed\n');
      return webhook(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    if (path === '/healthz') return send(res, 200, 'ok\n');
    if ((path === '/' || path === '/status' || path === '/present.json') && options.uiToken !== undefined) {
      const expected = options.uiToken.reveal();
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const fromQuery = query.get('token');
      if (path === '/' && fromQuery !== null && sameSecret(fromQuery, expected)) {
        // Trade the token in the address for a cookie, so it leaves the address bar and history.
        res.writeHead(303, {
          location: '/',
          'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(expected)}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
          'content-length': 0,
        });
        res.end();
        return;
      }
      const given = presentedToken(req);
      if (given === undefined || !sameSecret(given, expected)) {
        res.setHeader('www-authenticate', 'Bearer realm="capsched"');
        return send(res, 401, 'unauthorized: send Authorization: Bearer <CAPSCHED_UI_TOKEN>, or open /?token=<CAPSCHED_UI_TOKEN> once\n');
      }
    }
    if (path === '/' && options.page !== undefined) {
      const body = await options.page();
      res.writeHead(200, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/readyz') {
      const { ready, reasons } = await options.ready();
      return send(res, ready ? 200 : 503, ready ? 'ready\n' : `not ready: ${reasons.join('; ')}\n`);
    }
    if (path === '/metrics') return send(res, 200, await options.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/present.json' && options.present !== undefined)
      return send(res, 200, `${JSON.stringify(await options.present())}\n`, 'application/json; charset=utf-8');
    if (path === '/status' && options.status !== undefined)
      return send(res, 200, `${JSON.stringify(await options.status(), null, 2)}\n`, 'application/json; charset=utf-8');
    return send(res, 404, 'not found\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'http handler failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  log.info({ address, webhookSignature: options.webhookSecret !== undefined }, 'http server listening');
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
