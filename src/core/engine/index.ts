export * from './types.js';
export * from './decide.js';
export * from './status.js';
export * from './outcomes.js';
export * from './window-report.js';
