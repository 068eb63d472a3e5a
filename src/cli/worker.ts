import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched worker`.
export const workerCommand: Command = async (_argv, io) => {
  io.stderr('capsched worker: not implemented yet\n');
  return 2;
};
