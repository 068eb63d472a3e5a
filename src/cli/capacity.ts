import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched capacity`.
export const capacityCommand: Command = async (_argv, io) => {
  io.stderr('capsched capacity: not implemented yet\n');
  return 2;
};
