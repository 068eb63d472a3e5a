export { createTemporalScheduleStore, scheduleOptionsFor, toCapschedError, type TemporalScheduleStoreOptions } from './temporal-schedule-store.js';
export { createRateLimiter, type RateLimiter } from './rate-limit.js';
export { addCapschedSearchAttributes, checkNamespaceSearchAttributes, registeredSearchAttributes } from './search-attributes.js';
export { createTemporalLiveStore, type TemporalLiveStoreOptions } from './temporal-live-store.js';
