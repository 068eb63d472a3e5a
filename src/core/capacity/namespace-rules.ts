/** The worker's namespace allow and deny lists (NAMESPACE_ALLOWLIST, NAMESPACE_DENYLIST), as a pure rule. */
export interface NamespaceRules {
  namespaceAllowlist: readonly string[];
  namespaceDenylist: readonly string[];
}

/** Why a namespace may not be changed, or undefined when it may. The deny list wins over the allow list. */
export function namespaceRefusal(namespace: string, rules: NamespaceRules): string | undefined {
  if (rules.namespaceDenylist.includes(namespace)) return `namespace ${namespace} is on NAMESPACE_DENYLIST`;
  if (rules.namespaceAllowlist.length > 0 && !rules.namespaceAllowlist.includes(namespace)) return `namespace ${namespace} is not on NAMESPACE_ALLOWLIST`;
  return undefined;
}
