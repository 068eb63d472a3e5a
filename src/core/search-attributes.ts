/**
 * Custom search attributes capsched uses on schedules and the workflows they start.
 * They must be registered on the Temporal namespace: `capsched init` does it (the Operator
 * service on a self-hosted or dev server, the Cloud Ops API on Temporal Cloud); the dev-server
 * harness and `capsched dev` register them at start.
 */
import { CapschedError } from './errors.js';

export const CAPSCHED_SEARCH_ATTRIBUTES = {
  CapschedManagedBy: 'Keyword',
  CapschedInstallation: 'Keyword',
  CapschedPlan: 'Keyword',
  CapschedNamespace: 'Keyword',
  CapschedSpecHash: 'Keyword',
  CapschedCommit: 'Keyword',
} as const;

export type CapschedSearchAttribute = keyof typeof CAPSCHED_SEARCH_ATTRIBUTES;

export const CAPSCHED_SEARCH_ATTRIBUTE_NAMES = Object.keys(CAPSCHED_SEARCH_ATTRIBUTES) as CapschedSearchAttribute[];

/** The stable code of "the namespace lacks (some of) capsched's search attributes". */
export const SEARCH_ATTRIBUTES_MISSING = 'SEARCH_ATTRIBUTES_MISSING';

/**
 * A type as the servers spell it (`Keyword`, `KEYWORD`, `INDEXED_VALUE_TYPE_KEYWORD`,
 * `SEARCH_ATTRIBUTE_TYPE_KEYWORD`, `keyword`) → `keyword`.
 */
export function normaliseSearchAttributeType(type: string): string {
  return type
    .replace(/^(INDEXED_VALUE_TYPE_|SEARCH_ATTRIBUTE_TYPE_)/i, '')
    .replace(/_/g, '')
    .toLowerCase();
}

export interface SearchAttributeCheck {
  /** Registered with the right type. */
  present: CapschedSearchAttribute[];
  /** Not registered at all. */
  missing: CapschedSearchAttribute[];
  /** Registered with another type: capsched cannot use them and they cannot be changed in place. */
  wrongType: { name: CapschedSearchAttribute; type: string }[];
}

/** Compares what a namespace has (name → type, any spelling) with the six capsched needs. */
export function checkSearchAttributes(registered: Readonly<Record<string, string>>): SearchAttributeCheck {
  const out: SearchAttributeCheck = { present: [], missing: [], wrongType: [] };
  for (const name of CAPSCHED_SEARCH_ATTRIBUTE_NAMES) {
    const type = registered[name];
    if (type === undefined) out.missing.push(name);
    else if (normaliseSearchAttributeType(type) !== normaliseSearchAttributeType(CAPSCHED_SEARCH_ATTRIBUTES[name])) out.wrongType.push({ name, type });
    else out.present.push(name);
  }
  return out;
}

/** True when a server's answer says a `Capsched…` search attribute is unknown to the namespace. */
export function isMissingSearchAttributeAnswer(serverText: string): boolean {
  return /search attribute/i.test(serverText) && /Capsched[A-Z]/.test(serverText);
}

/** The `Capsched…` names a server's answer mentions (it names only the first it trips over). */
export function searchAttributesNamedIn(serverText: string): CapschedSearchAttribute[] {
  return CAPSCHED_SEARCH_ATTRIBUTE_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(serverText));
}

/** How to register `names` by hand, and with `capsched init`. One line each, for a terminal. */
export function searchAttributeFix(names: readonly CapschedSearchAttribute[], namespace: string | undefined): string {
  const ns = namespace ?? '<namespace>';
  const list = names.length === 0 ? CAPSCHED_SEARCH_ATTRIBUTE_NAMES : names;
  return [
    `run \`capsched init\` (it registers them; \`capsched init --dry-run\` shows what it would do), or by hand:`,
    `  temporal operator search-attribute create --namespace ${ns} ${list.map((n) => `--name ${n}`).join(' ')} --type Keyword`,
    `  Temporal Cloud: tcld namespace search-attributes add --namespace ${ns} ${list.map((n) => `--sa "${n}=Keyword"`).join(' ')}`,
  ].join('\n');
}

export interface SearchAttributesMissingInput {
  /** What capsched was doing (`list schedules`, `create`, …). */
  operation: string;
  namespace?: string;
  /** Exactly which are missing, when the namespace's list could be read. */
  missing?: readonly CapschedSearchAttribute[];
  wrongType?: readonly { name: CapschedSearchAttribute; type: string }[];
  /** The server's own answer. */
  serverText?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/**
 * The SEARCH_ATTRIBUTES_MISSING error: names exactly which of the six are missing (when known;
 * otherwise the one the server named, and all six as the list to check) and the fix.
 */
export function searchAttributesMissingError(input: SearchAttributesMissingInput): CapschedError {
  const where = input.namespace === undefined ? 'the Temporal namespace' : `Temporal namespace ${input.namespace}`;
  const wrong = input.wrongType ?? [];
  let what: string;
  let fixNames: readonly CapschedSearchAttribute[];
  if (input.missing !== undefined) {
    fixNames = input.missing;
    const all = CAPSCHED_SEARCH_ATTRIBUTE_NAMES.length;
    what = `${where} is missing ${input.missing.length === all ? `all ${all} of capsched's` : `${input.missing.length} of capsched's ${all}`} search attributes: ${input.missing.join(', ')}`;
    if (wrong.length > 0) what += `; ${wrong.map((w) => `${w.name} is registered as ${w.type}, not Keyword`).join(', ')} (rename or remove it by hand)`;
  } else {
    const named = input.serverText === undefined ? [] : searchAttributesNamedIn(input.serverText);
    fixNames = CAPSCHED_SEARCH_ATTRIBUTE_NAMES;
    what = `${where} is missing capsched's search attributes (Temporal named ${named.length === 0 ? 'one' : named.join(', ')}; capsched needs all ${CAPSCHED_SEARCH_ATTRIBUTE_NAMES.length} as Keyword: ${CAPSCHED_SEARCH_ATTRIBUTE_NAMES.join(', ')})`;
  }
  const server = input.serverText === undefined ? '' : ` (Temporal rejected ${input.operation}: ${input.serverText})`;
  return new CapschedError(SEARCH_ATTRIBUTES_MISSING, `${what}${server}.\nFix: ${searchAttributeFix(fixNames, input.namespace)}`, {
    retry: 'terminal',
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    details: {
      ...input.details,
      operation: input.operation,
      ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
      ...(input.missing === undefined ? {} : { missing: [...input.missing] }),
      ...(wrong.length === 0 ? {} : { wrongType: wrong.map((w) => w.name) }),
    },
  });
}
