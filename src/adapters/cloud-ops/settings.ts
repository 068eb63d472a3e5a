/** What the Cloud Ops client needs to connect; config/cloud-ops.ts reads it from the environment. */
import type { Secret } from '../../log/secrets.js';

export interface CloudOpsSettings {
  endpoint: string;
  /** Undefined when TEMPORAL_CLOUD_API_KEY is unset; commands that call the API then fail with CLOUD_OPS_CONFIG. */
  apiKey: Secret | undefined;
  /** Plain-text gRPC instead of TLS (simulator only). */
  allowInsecure: boolean;
  /** Clamp for the server's recommended poll interval (check_duration). */
  pollMinMs: number;
  pollMaxMs: number;
  /** Deadline of each unary call. */
  callTimeoutMs: number;
}
