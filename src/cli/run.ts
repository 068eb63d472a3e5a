import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched run`.
export const runCommand: Command = async (_argv, io) => {
  io.stderr('capsched run: not implemented yet\n');
  return 2;
};
