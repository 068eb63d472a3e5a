import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched schema`.
export const schemaCommand: Command = async (_argv, io) => {
  io.stderr('capsched schema: not implemented yet\n');
  return 2;
};
