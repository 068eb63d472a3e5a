import type { PrReport } from './pr-model.js';

/** The report as JSON: the same data as the markdown, never summarised. */
export function renderPrJson(report: PrReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
