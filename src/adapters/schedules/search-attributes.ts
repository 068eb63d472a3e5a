/**
 * capsched's search attributes on a Temporal namespace through the Operator service (what
 * `temporal operator search-attribute list/create` use): read what is registered, add what is
 * missing. Temporal Cloud registers them through the Cloud Ops API instead (src/cli/init.ts).
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { CAPSCHED_SEARCH_ATTRIBUTES, checkSearchAttributes, type CapschedSearchAttribute, type SearchAttributeCheck } from '../../core/search-attributes.js';

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

/** `INDEXED_VALUE_TYPE_KEYWORD` (enum number or name) → `Keyword`. */
function typeName(value: unknown): string {
  const name = typeof value === 'number' ? ((IndexedValueType as unknown as Record<number, string>)[value] ?? String(value)) : String(value);
  const bare = name.replace(/^INDEXED_VALUE_TYPE_/, '').toLowerCase();
  return bare === 'keyword_list' ? 'KeywordList' : bare.charAt(0).toUpperCase() + bare.slice(1);
}

/** Custom search attributes registered on the client's namespace: name → type (`Keyword`, `Int`, …). */
export async function registeredSearchAttributes(client: Client, namespace = client.options.namespace): Promise<Record<string, string>> {
  const res = await client.connection.operatorService.listSearchAttributes({ namespace });
  const out: Record<string, string> = {};
  for (const [name, type] of Object.entries(res.customAttributes ?? {})) out[name] = typeName(type);
  return out;
}

/** Which of the six the namespace has, lacks, or has with another type. */
export async function checkNamespaceSearchAttributes(client: Client, namespace = client.options.namespace): Promise<SearchAttributeCheck> {
  return checkSearchAttributes(await registeredSearchAttributes(client, namespace));
}

/** Registers `names` (Keyword) in one AddSearchAttributes call. The server ignores ones that already exist. */
export async function addCapschedSearchAttributes(
  client: Client,
  names: readonly CapschedSearchAttribute[],
  namespace = client.options.namespace,
): Promise<void> {
  if (names.length === 0) return;
  const searchAttributes: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {};
  for (const name of names) {
    if (CAPSCHED_SEARCH_ATTRIBUTES[name] !== 'Keyword') throw new Error(`unexpected type for ${name}`);
    searchAttributes[name] = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  }
  await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}
