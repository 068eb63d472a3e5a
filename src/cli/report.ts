import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched report`.
export const reportCommand: Command = async (_argv, io) => {
  io.stderr('capsched report: not implemented yet\n');
  return 2;
};
