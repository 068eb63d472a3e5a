/**
 * A real node:http server standing in for a Slack incoming webhook, with programmable answers:
 * 200, 500, 429 with Retry-After, 410/404 (revoked webhook) or a timeout (the request is held
 * open and never answered). Records every request so tests can count attempts, and every
 * accepted (2xx) message so tests can assert what was delivered, once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after } from 'node:test';

export type SinkResponse =
  | { status: 200 }
  | { status: 500 }
  | { status: 429; retryAfterSeconds?: number }
  | { status: 404 }
  | { status: 410 }
  /** Hold the request open, never answer (the client's attempt timeout fires). */
  | { timeout: true };

export interface SinkRequest {
  at: number;
  method: string;
  path: string;
  raw: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  json: unknown;
  /** What the sink answered (0 = held open). */
  status: number;
}

export interface SlackSinkMessage {
  /** The `text` field of the payload (the notification fallback). */
  text: string;
  raw: string;
}

export interface SlackSink {
  /** The webhook URL to configure (SLACK_WEBHOOK_URL); `path` defaults to a Slack-like path. */
  url: string;
  /** Every request received, oldest first, whatever it was answered. */
  requests: SinkRequest[];
  /** Messages answered 2xx (delivered), oldest first. */
  messages: SlackSinkMessage[];
  /** Queues answers: each next request takes the first queued one; when empty, the default. */
  respondWith(...responses: SinkResponse[]): void;
  /** The answer once the queue is empty (initially 200). */
  setDefault(response: SinkResponse): void;
  /** Resolves when `count` messages were delivered (2xx); rejects after the timeout. */
  waitForMessages(count: number, timeoutMs?: number): Promise<SlackSinkMessage[]>;
  /** Resolves when `count` requests arrived (any answer). */
  waitForRequests(count: number, timeoutMs?: number): Promise<SinkRequest[]>;
  close(): Promise<void>;
}

export interface SlackSinkOptions {
  /** URL path (default /services/T000/B000/test-webhook). Put a canary in it to prove the URL never leaks. */
  path?: string;
}

async function poll<T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`slack sink: timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts the sink on an ephemeral loopback port; closed after the test file. */
export async function startSlackSink(options: SlackSinkOptions = {}): Promise<SlackSink> {
  const queue: SinkResponse[] = [];
  let fallback: SinkResponse = { status: 200 };
  const requests: SinkRequest[] = [];
  const messages: SlackSinkMessage[] = [];
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const answer = queue.shift() ?? fallback;
      const record: SinkRequest = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', raw, json, status: 'timeout' in answer ? 0 : answer.status };
      requests.push(record);
      if ('timeout' in answer) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (answer.status === 429) headers['retry-after'] = String(answer.retryAfterSeconds ?? 1);
      if (answer.status === 200) messages.push({ raw, text: typeof (json as { text?: unknown })?.text === 'string' ? (json as { text: string }).text : raw });
      const body =
        answer.status === 200
          ? 'ok'
          : answer.status === 410
            ? 'no_service'
            : answer.status === 404
              ? 'no_team'
              : answer.status === 429
                ? 'rate_limited'
                : 'internal_error';
      res.writeHead(answer.status, headers);
      res.end(body);
    });
  };

  const server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      for (const res of held) res.destroy();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return closed;
  };
  after(close);

  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/services/T000/B000/test-webhook'}`,
    requests,
    messages,
    respondWith: (...responses) => void queue.push(...responses),
    setDefault: (response) => {
      fallback = response;
    },
    waitForMessages: (count, timeoutMs = 15_000) =>
      poll(
        () => (messages.length >= count ? messages.slice() : undefined),
        timeoutMs,
        () => `${count} delivered messages (have ${messages.length})`,
      ),
    waitForRequests: (count, timeoutMs = 15_000) =>
      poll(
        () => (requests.length >= count ? requests.slice() : undefined),
        timeoutMs,
        () => `${count} requests (have ${requests.length})`,
      ),
    close,
  };
}
