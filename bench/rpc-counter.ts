/**
 * Counts the gRPC calls a Temporal connection makes, per method: the figure the reconcile and
 * live benches print for one pass ("ListSchedules 1, QueryWorkflow 50").
 */
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';

export interface RpcCounter {
  /** Give this to `Connection.connect({ interceptors })`. */
  interceptor: Interceptor;
  reset(): void;
  total(): number;
  /** "Method n, Method n", sorted by method. */
  text(): string;
}

export function createRpcCounter(): RpcCounter {
  const counts = new Map<string, number>();
  return {
    interceptor: (options, nextCall) => {
      const method = options.method_definition.path.split('/').pop() ?? '?';
      counts.set(method, (counts.get(method) ?? 0) + 1);
      return new InterceptingCall(nextCall(options));
    },
    reset: () => counts.clear(),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    text: () =>
      [...counts.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
  };
}
