/** `capsched diff`: the change set `capsched apply` would make, written nowhere (see ./apply.ts). */
export { diffCommand, DIFF_HELP } from './apply.js';
