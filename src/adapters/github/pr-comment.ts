/**
 * The one marked pull-request comment, through GitHub's REST API (github.com or GitHub
 * Enterprise Server): list the issue's comments page by page (Link: rel="next"), find the first
 * one whose body starts with the marker, PATCH it — or POST a new one when there is none.
 *
 * The token is a Secret: it is sent only in the Authorization header and never appears in an
 * error message (GitHub's error bodies are scrubbed too).
 */
import { CapschedError } from '../../core/errors.js';
import { scrub, type Secret } from '../../log/index.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** Pages read at most (100 comments each) before giving up: a pull request with 10,000 comments is not ours to scan. */
const MAX_PAGES = 100;
const REQUEST_TIMEOUT_MS = 30_000;

export interface PrCommentTarget {
  /** REST API root, e.g. https://api.github.com or https://ghe.example.com/api/v3 (GITHUB_API_URL). */
  apiUrl: string;
  /** owner/name */
  repository: string;
  /** Pull request (= issue) number. */
  number: number;
  token: Secret;
}

export interface UpsertResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  /** The comment's html_url, when GitHub returned one. */
  url?: string;
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
}

function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(',')) {
    const m = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
    if (m !== null && /\brel="?next"?/.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

async function call(target: PrCommentTarget, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${target.token.reveal()}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'capsched',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    const why = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    throw new CapschedError('GITHUB_UNAVAILABLE', `GitHub API ${method} ${new URL(url).pathname} failed: ${scrub(why)}`, { retry: 'transient' });
  }
  if (res.ok) return res;
  const text = scrub((await res.text().catch(() => '')).slice(0, 500));
  let message = text;
  try {
    const parsed = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof parsed === 'string') message = parsed;
  } catch {
    // not JSON
  }
  const where = `GitHub API ${method} ${new URL(url).pathname} answered ${res.status}: ${message}`;
  // GitHub answers 403 (or 429) with x-ratelimit-remaining: 0 or retry-after when rate limited.
  if ((res.status === 403 || res.status === 429) && (res.headers.get('x-ratelimit-remaining') === '0' || res.headers.get('retry-after') !== null)) {
    const reset = Number(res.headers.get('x-ratelimit-reset') ?? '');
    const until = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
    throw new CapschedError('GITHUB_RATE_LIMITED', `${where} — rate limited${until}; the next run updates the comment`, { retry: 'waiting' });
  }
  const hint =
    res.status === 401
      ? ' — the token was refused; pass a valid GITHUB_TOKEN'
      : res.status === 403 || res.status === 404
        ? ' — the token cannot write comments on this repository (workflow permissions: pull-requests: write; pull requests from forks get a read-only token)'
        : '';
  throw new CapschedError(res.status === 401 || res.status === 403 || res.status === 404 ? 'GITHUB_FORBIDDEN' : 'GITHUB_ERROR', `${where}${hint}`, {
    retry: res.status >= 500 || res.status === 429 ? 'transient' : 'terminal',
  });
}

/** Finds the first comment of the pull request whose body starts with `marker`. */
export async function findMarkedComment(target: PrCommentTarget, marker: string): Promise<IssueComment | undefined> {
  const root = target.apiUrl.replace(/\/+$/, '');
  let url: string | undefined = `${root}/repos/${target.repository}/issues/${target.number}/comments?per_page=100`;
  for (let page = 0; url !== undefined; page++) {
    // Never guess "not found" after a partial scan: that would add a second comment.
    if (page === MAX_PAGES)
      throw new CapschedError('GITHUB_ERROR', `the pull request has more than ${MAX_PAGES * 100} comments; capsched does not scan further for its own`);
    const res = await call(target, 'GET', url);
    const comments = (await res.json()) as IssueComment[];
    if (!Array.isArray(comments)) throw new CapschedError('GITHUB_ERROR', `GitHub API GET ${new URL(url).pathname} did not return a list of comments`);
    const found = comments.find((c) => typeof c.body === 'string' && c.body.trimStart().startsWith(marker));
    if (found !== undefined) return found;
    const next = nextLink(res.headers.get('link'));
    // Follow only links to the same API host: the token is never sent anywhere else.
    url = next !== undefined && new URL(next).origin === new URL(root).origin ? next : undefined;
  }
  return undefined;
}

/** Creates the marked comment, or updates it in place when it exists (one comment per pull request). */
export async function upsertMarkedComment(target: PrCommentTarget, marker: string, body: string): Promise<UpsertResult> {
  if (!body.startsWith(marker))
    throw new CapschedError('GITHUB_COMMENT_UNMARKED', 'the comment body does not start with its marker, so it could never be found again');
  const root = target.apiUrl.replace(/\/+$/, '');
  const existing = await findMarkedComment(target, marker);
  if (existing !== undefined && existing.body === body)
    return { action: 'unchanged', id: existing.id, ...(existing.html_url === undefined ? {} : { url: existing.html_url }) };
  const res =
    existing === undefined
      ? await call(target, 'POST', `${root}/repos/${target.repository}/issues/${target.number}/comments`, { body })
      : await call(target, 'PATCH', `${root}/repos/${target.repository}/issues/comments/${existing.id}`, { body });
  const written = (await res.json()) as IssueComment;
  return { action: existing === undefined ? 'created' : 'updated', id: written.id, ...(written.html_url === undefined ? {} : { url: written.html_url }) };
}

export interface PrCommenter {
  upsert: (marker: string, body: string) => Promise<UpsertResult>;
}

/** The pull request's marked comment, for one target (built by src/compose.ts). */
export function createPrCommenter(target: PrCommentTarget): PrCommenter {
  return { upsert: (marker, body) => upsertMarkedComment(target, marker, body) };
}
