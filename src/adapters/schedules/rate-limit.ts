/** A token bucket: at most `perSecond` takes per second on average, bursts of up to `perSecond`. */
export interface RateLimiter {
  take(): Promise<void>;
}

export function createRateLimiter(perSecond: number): RateLimiter {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return { take: async () => undefined };
  let tokens = perSecond;
  let last = performance.now();
  let queue: Promise<void> = Promise.resolve();
  const takeOne = async (): Promise<void> => {
    for (;;) {
      const now = performance.now();
      tokens = Math.min(perSecond, tokens + ((now - last) / 1000) * perSecond);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - tokens) / perSecond) * 1000)));
    }
  };
  return {
    take() {
      const next = queue.then(takeOne);
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
