import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/**
 * GitHub's X-Hub-Signature-256 check: HMAC-SHA256 of the raw body bytes with the shared secret,
 * hex, prefixed "sha256=", compared in constant time. Anything malformed is simply false.
 */
export function verifyGithubSignature(secret: string, rawBody: Uint8Array, header: string | undefined): boolean {
  if (header === undefined) return false;
  const match = SIGNATURE.exec(header.trim().toLowerCase());
  if (match === null || match[1] === undefined) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Remembers delivery ids for a while (GitHub redeliveries reuse the id); bounded in size. */
export class DeliveryCache {
  readonly #seen = new Map<string, number>();
  constructor(
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly maxEntries = 10_000,
  ) {}

  /** True when the id was seen within the TTL; otherwise records it and returns false. */
  seen(id: string, now: number): boolean {
    const at = this.#seen.get(id);
    if (at !== undefined && now - at < this.ttlMs) return true;
    this.#seen.delete(id);
    this.#seen.set(id, now);
    // Map keeps insertion order: evict expired entries from the front, then the oldest over the cap.
    for (const [key, time] of this.#seen) {
      if (this.#seen.size <= this.maxEntries && now - time < this.ttlMs) break;
      this.#seen.delete(key);
    }
    return false;
  }

  get size(): number {
    return this.#seen.size;
  }
}
