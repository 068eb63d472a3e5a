import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched change`.
export const changeCommand: Command = async (_argv, io) => {
  io.stderr('capsched change: not implemented yet\n');
  return 2;
};
