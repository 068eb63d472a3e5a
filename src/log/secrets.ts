/**
 * Value-based secret scrubbing. pino's `redact` only knows paths; error messages, stacks and
 * interpolated strings need the values themselves replaced. Every secret capsched reads
 * (API keys, webhook URLs, git credentials, webhook secrets) is registered here when read.
 */
const known = new Set<string>();

export const REDACTED = '[REDACTED]';

/** Registers a secret value so scrub() replaces it everywhere. Ignores short/empty values. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const trimmed = value.trim();
  if (trimmed.length < 6) return;
  known.add(trimmed);
  // A URL's userinfo and path tokens (Slack webhooks) are secrets on their own too.
  try {
    const url = new URL(trimmed);
    if (url.password !== '') known.add(decodeURIComponent(url.password));
    if (url.username !== '' && url.password === '') known.add(decodeURIComponent(url.username));
  } catch {
    // not a URL
  }
}

/** Replaces every registered secret, URL userinfo and token-like query parameters in text. */
export function scrub(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, `$1${REDACTED}@`);
  out = out.replace(/([?&](?:token|access_token|key|api_key|apikey|secret|sig|signature)=)[^&\s"']+/gi, `$1${REDACTED}`);
  out = out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/g, `$1${REDACTED}`);
  out = out.replace(/https:\/\/hooks\.slack\.com\/[^\s"']+/g, `https://hooks.slack.com/${REDACTED}`);
  return out;
}

/** Deep-scrubs any JSON-like value (strings inside objects and arrays). */
export function scrubValue<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrubValue(v, depth + 1);
  return out as T;
}

/** A secret that never prints itself: toString, toJSON and util.inspect all give [REDACTED]. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
