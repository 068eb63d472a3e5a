import { z } from 'zod';
import { CapacityPlan, CROSS_FIELD_RULES } from './schema.js';

function exactlyOne(fields: readonly string[]): Record<string, unknown> {
  return { oneOf: fields.map((field) => ({ required: [field], not: { required: fields.filter((f) => f !== field) } })) };
}

/** The JSON Schema of plans as people write them, from the one zod schema. */
export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(CapacityPlan, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'capsched CapacityPlan',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
    // The cross-field rules (schema.ts), for editors (capsched checks them, with better messages).
    allOf: [exactlyOne(CROSS_FIELD_RULES.exactlyOne), exactlyOne(CROSS_FIELD_RULES.exactlyOneNamespace), exactlyOne(CROSS_FIELD_RULES.exactlyOneCapacity)],
    not: { required: [...CROSS_FIELD_RULES.atMostOne] },
    dependentRequired: Object.fromEntries(Object.entries(CROSS_FIELD_RULES.requires).map(([field, needs]) => [field, [needs]])),
    dependentSchemas: { steps: { anyOf: CROSS_FIELD_RULES.stepsNeedEnd.map((field) => ({ required: [field] })) } },
  };
}

/** The committed file's exact text. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
