import { z } from 'zod';
import { CapacityPlan } from './schema.js';

/** The JSON Schema of plans as people write them, from the one zod schema. */
export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(CapacityPlan, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'capsched CapacityPlan',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
    // Cross-field rules editors can check too (capsched checks them all, with better messages).
    oneOf: [
      { required: ['cron'], not: { required: ['at'] } },
      { required: ['at'], not: { required: ['cron'] } },
    ],
    not: { required: ['duration', 'until'] },
    dependentRequired: { until: ['at'] },
  };
}

/** The committed file's exact text. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
