import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched dev`.
export const devCommand: Command = async (_argv, io) => {
  io.stderr('capsched dev: not implemented yet\n');
  return 2;
};
