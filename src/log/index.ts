export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.js';
export { Secret, registerSecret, scrub, scrubValue, REDACTED } from './secrets.js';
