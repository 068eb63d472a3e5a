/**
 * One GetNamespaceCapacityInfo per namespace for the life of the wrapper (a command or a pass):
 * concurrent and later reads of the same namespace share the first answer. A failed read is not
 * kept, so a later caller may try again.
 */
import type { CapacityInfo } from '../../core/ports.js';

export function withCachedCapacityInfo<T extends { getCapacityInfo(namespace: string): Promise<CapacityInfo> }>(client: T): T {
  const cache = new Map<string, Promise<CapacityInfo>>();
  const read = client.getCapacityInfo.bind(client);
  const getCapacityInfo = (namespace: string): Promise<CapacityInfo> => {
    let answer = cache.get(namespace);
    if (answer === undefined) {
      answer = read(namespace);
      cache.set(namespace, answer);
      void answer.catch(() => cache.delete(namespace));
    }
    return answer;
  };
  return { ...client, getCapacityInfo };
}
