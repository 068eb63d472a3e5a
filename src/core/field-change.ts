/**
 * One field that differs between two versions of a thing: a plan between two revisions
 * (plan/plan-diff.ts, values as written) or a schedule between desired and actual
 * (diff/types.ts, values as display text). A side where the field is absent is undefined.
 */
export interface FieldChange<Field extends string = string, Value = unknown> {
  field: Field;
  before?: Value;
  after?: Value;
}
