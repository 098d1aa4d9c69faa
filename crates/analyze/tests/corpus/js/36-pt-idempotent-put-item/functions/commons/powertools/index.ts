/**
 * We have single entry point for all the powertools modules so that functions that need only one
 * can bundle only that one that they need and keep the bundle size small.
 */
export { logger } from './logger.js';
export { metrics } from './metrics.js';
export { tracer } from './tracer.js';
