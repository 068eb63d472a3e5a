/**
 * Custom search attributes capsched uses on schedules and the workflows they start.
 * They must be registered on the Temporal namespace (the dev-server harness and
 * `capsched dev` register them at start; on Temporal Cloud, register them once).
 */
export const CAPSCHED_SEARCH_ATTRIBUTES = {
  CapschedManagedBy: 'Keyword',
  CapschedInstallation: 'Keyword',
  CapschedPlan: 'Keyword',
  CapschedNamespace: 'Keyword',
  CapschedSpecHash: 'Keyword',
  CapschedCommit: 'Keyword',
} as const;

export type CapschedSearchAttribute = keyof typeof CAPSCHED_SEARCH_ATTRIBUTES;
