import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched apply`.
export const applyCommand: Command = async (_argv, io) => {
  io.stderr('capsched apply: not implemented yet\n');
  return 2;
};
