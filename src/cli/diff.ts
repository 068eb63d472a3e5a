import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched diff`.
export const diffCommand: Command = async (_argv, io) => {
  io.stderr('capsched diff: not implemented yet\n');
  return 2;
};
