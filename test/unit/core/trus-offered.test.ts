import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trusNotOffered } from '../../../src/core/capacity/offered.js';

test('trusNotOffered: a value outside valid_tru_values or above max_available_tru_value is refused with the reason; unreported limits refuse nothing', () => {
  const info = { namespace: 'payments.a1b2c', validTruValues: [2, 3, 4, 6, 8, 10, 12], maxAvailableTruValue: 8 };
  assert.equal(trusNotOffered(info, 8), undefined);
  assert.equal(trusNotOffered(info, 2), undefined);
  assert.match(trusNotOffered(info, 5) ?? '', /does not offer 5 TRUs: valid values are 2, 3, 4, 6, 8, 10, 12/);
  assert.match(trusNotOffered(info, 10) ?? '', /cannot be provisioned with 10 TRUs now: at most 8 TRUs are available/);
  // proto3 defaults: an empty list and a 0 maximum mean "not reported", never "nothing allowed".
  assert.equal(trusNotOffered({ namespace: 'n', validTruValues: [], maxAvailableTruValue: 0 }, 7), undefined);
  assert.equal(trusNotOffered({ namespace: 'n', validTruValues: [] }, 7), undefined);
  assert.match(trusNotOffered({ namespace: 'n', validTruValues: [], maxAvailableTruValue: 4 }, 6) ?? '', /at most 4 TRUs/);
});
