import { CapschedError } from '../../core/errors.js';

const SCHEME_URL = /^([a-z][a-z0-9+.-]*):\/\//i;
/** scp-like ssh address: user@host:path (no scheme, a colon before any slash). */
const SCP_LIKE = /^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:(?!\/\/)/;
const ALLOWED_SCHEMES = new Set(['https', 'http', 'ssh', 'git', 'file']);

/** True when `source` is written as a remote address (URL or scp-like ssh), not a local path. */
export function isRemoteAddress(source: string): boolean {
  return SCHEME_URL.test(source) || SCP_LIKE.test(source);
}

/**
 * Checks a git remote address before it reaches git: no option-like values, only the
 * https/http/ssh/git/file transports, and never a password in the URL (credentials come from
 * the environment through GIT_ASKPASS, see credentials.ts).
 */
export function checkRemoteAddress(source: string): void {
  if (source.startsWith('-')) throw new CapschedError('source-url-invalid', 'the git source must not start with "-"');
  if (/[\0\r\n]/.test(source)) throw new CapschedError('source-url-invalid', 'the git source contains control characters');
  const scheme = SCHEME_URL.exec(source)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!ALLOWED_SCHEMES.has(scheme)) {
      throw new CapschedError('source-url-invalid', `git transport "${scheme}" is not allowed (use https, ssh, git or file)`);
    }
    let url: URL;
    try {
      url = new URL(source);
    } catch (err) {
      throw new CapschedError('source-url-invalid', 'the git source is not a valid URL', { cause: err });
    }
    if (url.password !== '' || ((scheme === 'https' || scheme === 'http') && url.username !== '')) {
      throw new CapschedError(
        'source-url-credentials',
        'credentials must not be part of the git URL; set CAPSCHED_GIT_TOKEN (and CAPSCHED_GIT_USERNAME) instead',
      );
    }
  }
}

/** The address with any userinfo password removed, safe for logs and status. */
export function redactRemoteAddress(source: string): string {
  const scheme = SCHEME_URL.exec(source)?.[1];
  if (scheme === undefined) return source;
  try {
    const url = new URL(source);
    if (url.password !== '') url.password = '';
    if (url.username !== '' && scheme !== 'ssh') url.username = '';
    return url.toString();
  } catch {
    return `${scheme}://[unparseable]`;
  }
}
