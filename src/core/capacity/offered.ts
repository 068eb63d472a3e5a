/** Is a TRU value one the namespace offers now (GetNamespaceCapacityInfo's valid_tru_values and max_available_tru_value)? */
import type { CapacityInfo } from '../ports.js';

/**
 * Why `trus` cannot be provisioned on the namespace now, or undefined when it can (or the API did
 * not say). An empty valid_tru_values list or a max_available_tru_value of 0 (proto3's default for
 * an unset double) means "not reported", never "nothing allowed".
 */
export function trusNotOffered(info: CapacityInfo, trus: number): string | undefined {
  const valid = info.validTruValues;
  if (valid.length > 0 && !valid.includes(trus)) {
    return `namespace ${info.namespace} does not offer ${trus} TRUs: valid values are ${valid.join(', ')} (GetNamespaceCapacityInfo)`;
  }
  const max = info.maxAvailableTruValue;
  if (max !== undefined && max > 0 && trus > max) {
    return `namespace ${info.namespace} cannot be provisioned with ${trus} TRUs now: at most ${max} TRUs are available (GetNamespaceCapacityInfo max_available_tru_value)`;
  }
  return undefined;
}
