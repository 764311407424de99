import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getCountries } from 'libphonenumber-js';
import { maskingConfigSchema } from '../../src/masking/config.ts';
import { PHONE_REGIONS } from '../../src/masking/phone-regions.ts';

// The config schema's list of phone regions is libphonenumber-js's, kept apart so the config loads
// without the library; an upgrade that adds or drops a region fails here.

test('the phone regions the config accepts are exactly those libphonenumber-js knows', () => {
  assert.deepEqual([...PHONE_REGIONS].sort(), [...getCountries()].sort());
});

test('a phone region libphonenumber does not know is a config error', () => {
  assert.equal(maskingConfigSchema.safeParse({ phoneRegions: ['DE', 'XX'] }).success, false);
  assert.equal(maskingConfigSchema.safeParse({ phoneRegions: ['DE', 'GB'] }).success, true);
});
