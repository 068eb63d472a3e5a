import type { Command } from './io.js';

// PLACEHOLDER: replaced by the issue that builds `capsched cloud-ops-simulator`.
export const cloudOpsSimulatorCommand: Command = async (_argv, io) => {
  io.stderr('capsched cloud-ops-simulator: not implemented yet\n');
  return 2;
};
