import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileMaskingConfig,
  compileProfile,
  recordingProfileOf,
  selectProfile,
  unknownProfiles,
} from '../../src/masking/compile.ts';
import { maskingConfigSchema, profileSchema, serverMaskingSchema } from '../../src/masking/config.ts';
import { maskJson, maskText } from '../../src/masking/engine.ts';
import { defaultProfile, TEST_KEYS } from './helpers.ts';

const profileWith = (cfg: unknown) => compileProfile(profileSchema.parse(cfg), TEST_KEYS);

describe('field rules', () => {
  test('name and address fields mask whole values, case- and underscore-insensitively', () => {
    const { value, findings } = maskJson(
      {
        first_name: 'Ilse',
        LastName: 'Brandauer',
        address: { street: 'Ringweg 4', city: 'Graz', postalCode: '8010', country: 'AT' },
      },
      defaultProfile,
    );
    const masked = value as { first_name: string; LastName: string; address: unknown };
    assert.match(masked.first_name, /^PERSON_[0-9a-f]{8}$/);
    assert.match(masked.LastName, /^PERSON_[0-9a-f]{8}$/);
    assert.deepEqual(masked.address, {
      street: '[ADDRESS]',
      city: '[ADDRESS]',
      postalCode: '[ADDRESS]',
      country: 'AT',
    });
    assert.deepEqual(
      findings.map((f) => `${f.path} ${f.type} ${f.detector}`),
      [
        '$.first_name PERSON name-field',
        '$.LastName PERSON name-field',
        '$.address.street ADDRESS address-field',
        '$.address.city ADDRESS address-field',
        '$.address.postalCode ADDRESS address-field',
      ],
    );
  });

  test('JSONPath rules: descendant, wildcard index, bracketed keys; an explicit rule masks numbers too', () => {
    const profile = profileWith({
      fields: [
        { path: '$..customer.ref', type: 'ID_CARD' },
        { path: '$.rows[*].score', type: 'DATE_OF_BIRTH', operator: 'redact' },
        { path: "$['odd key']", type: 'PERSON', operator: 'redact' },
      ],
    });
    const { value } = maskJson(
      {
        order: { customer: { ref: 'AB123' } },
        rows: [{ score: 19850312 }, { score: true }],
        'odd key': 'x',
        ref: 'kept',
      },
      profile,
    );
    assert.deepEqual(value, {
      order: { customer: { ref: '[ID_CARD]' } },
      rows: [{ score: '[DATE_OF_BIRTH]' }, { score: '[DATE_OF_BIRTH]' }],
      'odd key': '[PERSON]',
      ref: 'kept',
    });
  });

  test('a field rule overrides the operator, and SCIM-style value fields count as their parent', () => {
    const profile = profileWith({ fields: [{ path: 'email', type: 'EMAIL', operator: 'redact' }] });
    const { value } = maskJson(
      { emails: [{ value: 'not-an-address', primary: true }], email: 'x@example.org' },
      profile,
    );
    assert.deepEqual(value, { emails: [{ value: '[EMAIL]', primary: true }], email: '[EMAIL]' });
  });

  test('numbers and booleans are never changed by detectors or name lists', () => {
    const input = { name: 42, phone: 4930123456789, active: true, nothing: null };
    assert.equal(maskJson(input, defaultProfile).value, input);
  });

  test('disabled types are neither found nor masked', () => {
    const profile = profileWith({ disabled: ['EMAIL', 'PERSON'] });
    assert.deepEqual(maskJson({ email: 'a@example.com', name: 'Ilse Brandauer' }, profile).value, {
      email: 'a@example.com',
      name: 'Ilse Brandauer',
    });
  });
});

describe('the walk', () => {
  test('copy-on-write: untouched subtrees are the same objects, the input is not changed', () => {
    const clean = { sku: 'A-1', tags: ['x', 'y'] };
    const input = { clean, person: { email: 'a@example.com' } };
    const snapshot = structuredClone(input);
    const { value } = maskJson(input, defaultProfile) as { value: typeof input };
    assert.equal(value.clean, clean);
    assert.notEqual(value.person, input.person);
    assert.deepEqual(input, snapshot);
  });

  test('keys that hold personal data (maps keyed by e-mail) are masked too', () => {
    const { value, findings } = maskJson({ 'jane@example.com': { visits: 3 } }, defaultProfile);
    assert.deepEqual(Object.keys(value as object), ['j***@example.com']);
    assert.equal(findings[0]?.path, '$["jane@example.com"]~');
  });

  test('JSON inside a string is masked by field and re-serialised in its own layout', () => {
    const inner = { customer: { name: 'Ilse Brandauer', note: 'call +43 664 1234567' } };
    for (const text of [JSON.stringify(inner), JSON.stringify(inner, null, 2)]) {
      const { value, findings } = maskJson({ payload: text }, defaultProfile);
      const out = (value as { payload: string }).payload;
      assert.equal(out.includes('\n'), text.includes('\n'));
      const parsed = JSON.parse(out) as typeof inner;
      assert.match(parsed.customer.name, /^PERSON_/);
      assert.equal(parsed.customer.note, 'call +43 *** ***67');
      assert.deepEqual(
        findings.map((f) => f.path),
        ['$.payload.customer.name', '$.payload.customer.note'],
      );
    }
    assert.equal(maskText('{"a": 1}', defaultProfile).text, '{"a": 1}');
  });

  test('CSV with a header: columns by field name, other cells by detectors, quoting kept', () => {
    const csv =
      'id,firstName,email,street,comment\r\n1,Ilse,ilse@example.com,"Ringweg 4, Graz",ok\r\n2,Jonas,jonas@example.org,Am Bach 2,call +43 664 1234567\r\n';
    const { text, findings } = maskText(csv, defaultProfile, '$.text');
    const rows = text.split('\r\n');
    assert.equal(rows[0], 'id,firstName,email,street,comment');
    assert.match(rows[1] as string, /^1,PERSON_[0-9a-f]{8},i\*\*\*@example\.com,"\[ADDRESS\]",ok$/);
    assert.match(
      rows[2] as string,
      /^2,PERSON_[0-9a-f]{8},j\*\*\*@example\.org,\[ADDRESS\],call \+43 \*\*\* \*\*\*67$/,
    );
    for (const f of findings) assert.ok(csv.slice(f.start, f.end).length > 0 && f.path === '$.text');
    assert.equal(csv.slice(findings[0]?.start, findings[0]?.end), 'Ilse');
  });
});

describe('config', () => {
  test('profiles parse with defaults; unknown keys and bad paths are errors that name the place', () => {
    const cfg = maskingConfigSchema.parse({ profiles: { strict: { entities: { EMAIL: 'redact' } } } });
    assert.deepEqual(cfg.exemptGroups, ['dpo']);
    assert.equal(cfg.profiles.strict?.entities.EMAIL, 'redact');
    const bad = maskingConfigSchema.safeParse({
      profiles: { p: { fields: [{ path: '$.a[', type: 'EMAIL' }], colour: 1 } },
    });
    assert.equal(bad.success, false);
    const issues = bad.error?.issues.map((i) => i.path.join('.')) ?? [];
    assert.ok(issues.includes('profiles.p.fields.0.path'));
    assert.ok(issues.includes('profiles.p'));
    assert.equal(
      maskingConfigSchema.safeParse({ profiles: { p: { entities: { EMAIL: 'shred' } } } }).success,
      false,
    );
  });

  test('server profile per tool, exempt groups get a keep-everything profile that still reports', () => {
    const cfg = maskingConfigSchema.parse({
      profiles: { default: {}, open: { entities: { EMAIL: 'keep' } } },
    });
    const compiled = compileMaskingConfig(cfg, TEST_KEYS);
    const server = serverMaskingSchema.parse({ profile: 'default', tools: { export_customers: 'open' } });
    assert.equal(selectProfile(compiled, server, 'search')?.name, 'default');
    assert.equal(selectProfile(compiled, server, 'export_customers')?.name, 'open');
    const dpo = selectProfile(compiled, server, 'search', ['staff', 'dpo']);
    assert.ok(dpo?.exempt);
    const { text, findings } = maskText('mail a@example.com', dpo!);
    assert.equal(text, 'mail a@example.com');
    assert.equal(findings[0]?.operator, 'keep');
    assert.deepEqual(
      unknownProfiles(cfg, serverMaskingSchema.parse({ profile: 'nope', tools: { t: 'open' } })),
      ['nope'],
    );
  });
});

test("the audit's recording profile is the config's of that name, else the default compiled under it", () => {
  const compiled = compileMaskingConfig(
    maskingConfigSchema.parse({ profiles: { open: { entities: { EMAIL: 'keep' } } } }),
    TEST_KEYS,
  );
  const open = recordingProfileOf(compiled, 'open', TEST_KEYS);
  assert.equal(open, compiled.profiles.get('open'));
  assert.equal(maskText('mail a@example.com', open).text, 'mail a@example.com');
  const fallback = recordingProfileOf(compiled, 'default', TEST_KEYS);
  assert.equal(fallback.name, 'default');
  assert.notEqual(maskText('mail a@example.com', fallback).text, 'mail a@example.com');
});

test('a "__proto__" key from JSON.parse stays an own, masked property', () => {
  const input = JSON.parse(
    '{"__proto__": {"email": "a@example.com"}, "x": {"__proto__": "b@example.com"}}',
  ) as object;
  const { value } = maskJson(input, defaultProfile);
  assert.equal(
    JSON.stringify(value),
    '{"__proto__":{"email":"a***@example.com"},"x":{"__proto__":"b***@example.com"}}',
  );
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
});

test('config: unknown phone regions and malformed field names are refused at parse time', () => {
  assert.equal(maskingConfigSchema.safeParse({ phoneRegions: ['XX'] }).success, false);
  assert.equal(maskingConfigSchema.safeParse({ phoneRegions: ['DE', 'AT'] }).success, true);
  assert.equal(profileSchema.safeParse({ nameFields: ['name', 'a..b'] }).success, false);
  assert.equal(profileSchema.safeParse({ addressFields: ['$.street'] }).success, false);
});

test('JSON after prose in one string (a prompt quoting a record) is masked by field', () => {
  const record = { firstName: 'Ilse', lastName: 'Brandauer', email: 'ilse@example.com' };
  const text = `Summarize this customer in three sentences.\n\n${JSON.stringify(record, null, 2)}`;
  const { text: out, findings } = maskText(text, defaultProfile, '$.t');
  assert.ok(out.startsWith('Summarize this customer in three sentences.\n\n{\n  "firstName": "PERSON_'));
  assert.ok(!out.includes('Brandauer') && !out.includes('ilse@example.com'));
  assert.deepEqual(
    findings.map((f) => f.path),
    ['$.t.firstName', '$.t.lastName', '$.t.email'],
  );
});
