/** A short unique suffix so tests sharing one server never collide (ids, task queues, installations). */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}
