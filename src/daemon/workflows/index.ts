export { capschedReconciler } from './reconciler.js';
