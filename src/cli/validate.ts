import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched validate`.
export const validateCommand: Command = async (_argv, io) => {
  io.stderr('capsched validate: not implemented yet\n');
  return 2;
};
