/**
 * A real HTTP server that speaks the part of GitHub's REST API the report comment uses:
 * list an issue's comments (per_page, page, Link: rel="next"), create one, edit one. It checks
 * the Bearer token and serves under an optional prefix (GitHub Enterprise Server: /api/v3).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
  html_url: string;
}

export interface GithubApiRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface GithubApi {
  /** API root to pass as GITHUB_API_URL (includes the prefix). */
  url: string;
  requests: GithubApiRequest[];
  /** Comments per "owner/name#number". */
  comments: (repository: string, number: number) => FakeComment[];
  seed: (repository: string, number: number, bodies: string[], login?: string) => void;
  /** While true, every request is answered like GitHub's secondary rate limit (403, x-ratelimit-remaining: 0). */
  rateLimited: boolean;
  stop: () => Promise<void>;
}

export async function startGithubApi(options: { token: string; prefix?: string; maxPerPage?: number }): Promise<GithubApi> {
  const prefix = options.prefix ?? '';
  const maxPerPage = options.maxPerPage ?? 100;
  const byIssue = new Map<string, FakeComment[]>();
  const requests: GithubApiRequest[] = [];
  let nextId = 1000;
  let base = '';
  const api = { rateLimited: false } as GithubApi;

  const list = (repository: string, number: number): FakeComment[] => {
    const key = `${repository}#${number}`;
    let out = byIssue.get(key);
    if (out === undefined) byIssue.set(key, (out = []));
    return out;
  };
  const add = (repository: string, number: number, body: string, login: string): FakeComment => {
    const c: FakeComment = { id: nextId++, body, user: { login }, html_url: `https://github.example/${repository}/pull/${number}#issuecomment-${nextId - 1}` };
    list(repository, number).push(c);
    return c;
  };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
      if (api.rateLimited) return send(res, 403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1796000000' });
      if (req.headers.authorization !== `Bearer ${options.token}`)
        return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      if (!url.pathname.startsWith(`${prefix}/`)) return send(res, 404, { message: 'Not Found' });
      const path = url.pathname.slice(prefix.length);
      let m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(path);
      if (m !== null && req.method === 'GET') {
        const all = list(m[1] ?? '', Number(m[2]));
        const perPage = Math.min(maxPerPage, Number(url.searchParams.get('per_page') ?? '30'));
        const page = Number(url.searchParams.get('page') ?? '1');
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(`${base}${path}`);
          next.searchParams.set('per_page', String(perPage));
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.toString()}>; rel="next", <${base}${path}?per_page=${perPage}&page=${Math.ceil(all.length / perPage)}>; rel="last"`;
        }
        return send(res, 200, slice, headers);
      }
      if (m !== null && req.method === 'POST') {
        const body = (await readBody(req)) as { body?: unknown };
        if (typeof body.body !== 'string') return send(res, 422, { message: 'Validation Failed' });
        return send(res, 201, add(m[1] ?? '', Number(m[2]), body.body, 'github-actions[bot]'));
      }
      m = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(path);
      if (m !== null && req.method === 'PATCH') {
        const id = Number(m[2]);
        const found = [...byIssue.entries()]
          .filter(([key]) => key.startsWith(`${m?.[1] ?? ''}#`))
          .flatMap(([, cs]) => cs)
          .find((c) => c.id === id);
        if (found === undefined) return send(res, 404, { message: 'Not Found' });
        const body = (await readBody(req)) as { body?: unknown };
        if (typeof body.body !== 'string') return send(res, 422, { message: 'Validation Failed' });
        found.body = body.body;
        return send(res, 200, found);
      }
      return send(res, 404, { message: 'Not Found' });
    })().catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}${prefix}`;
  const rest: Omit<GithubApi, 'rateLimited'> = {
    url: base,
    requests,
    comments: (repository, number) => list(repository, number),
    seed: (repository, number, bodies, login = 'someone') => {
      for (const body of bodies) add(repository, number, body, login);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  Object.assign(api, rest);
  return api;
}
