// The masking part of the gateway config: profiles (what to find and how to mask it), the key
// file for hashes and pseudonyms, and the groups that may see raw values. Parsed once at boot.

import * as z from 'zod';
import { PARSE_ONCE } from '../core/parse-once.ts';
import { parseFieldPath } from './field-path.ts';
import { PHONE_REGIONS } from './phone-regions.ts';
import type { EntityType, Operator } from './types.ts';

const words = (list: string): readonly string[] => list.split(' ');

export const ENTITY_TYPES = [
  'EMAIL',
  'PHONE',
  'IBAN',
  'CREDIT_CARD',
  'IP_ADDRESS',
  'MAC_ADDRESS',
  'NATIONAL_ID',
  'PASSPORT',
  'ID_CARD',
  'DATE_OF_BIRTH',
  'SECRET',
  'PERSON',
  'ADDRESS',
] as const satisfies readonly EntityType[];

export const OPERATORS = [
  'redact',
  'partial',
  'pseudonym',
  'encrypt',
  'keep',
] as const satisfies readonly Operator[];

/** What each type gets unless a profile says otherwise: useful to an agent, useless to a thief. */
export const DEFAULT_OPERATORS: Readonly<Record<EntityType, Operator>> = {
  EMAIL: 'partial',
  PHONE: 'partial',
  IBAN: 'partial',
  CREDIT_CARD: 'partial',
  IP_ADDRESS: 'partial',
  MAC_ADDRESS: 'redact',
  NATIONAL_ID: 'redact',
  PASSPORT: 'redact',
  ID_CARD: 'redact',
  DATE_OF_BIRTH: 'redact',
  SECRET: 'redact',
  PERSON: 'pseudonym',
  ADDRESS: 'redact',
};

// Field names are compared case-, '_'- and '-'-insensitively: first_name = firstName = FirstName.
export const DEFAULT_NAME_FIELDS: readonly string[] = words(
  'name firstName lastName fullName surname givenName nom prénom owner holder accountHolderName assignee applicant familyName middleName displayName customerName contactName accountHolder holderName cardholderName forename maidenName vorname nachname prenom nomDeFamille nombre apellido apellidos cognome voornaam achternaam imie nazwisko fornamn efternamn name.first name.last name.given name.family name.middle',
);

export const DEFAULT_ADDRESS_FIELDS: readonly string[] = words(
  'address street streetAddress addressLine1 addressLine2 addressLine3 houseNumber postalCode postcode zip zipCode city town strasse straße plz ort adresse codePostal ville direccion codigoPostal ciudad indirizzo citta straat woonplaats ulica kodPocztowy miasto gatuadress postnummer address.line1 address.line2 address.number',
);

/**
 * Field names that say what a value is for the other types; on unless `builtinFields: false`.
 * A `value` or `number` field under one of them is that too (SCIM's `emails[0].value`).
 */
export const BUILTIN_FIELDS: Readonly<Partial<Record<EntityType, readonly string[]>>> = {
  EMAIL: words('email emails emailAddress mail eMail'),
  PHONE: words(
    'phone phones phoneNumber phoneNumbers mobile mobileNumber mobilePhone telephone tel fax cellPhone telefon telefono telefoon handy',
  ),
  IBAN: words('iban'),
  CREDIT_CARD: words('cardNumber creditCard creditCardNumber pan ccNumber'),
  DATE_OF_BIRTH: words(
    'dateOfBirth dob birthDate birthday geburtsdatum dateDeNaissance dateNaissance fechaDeNacimiento fechaNacimiento dataDiNascita geboortedatum dataUrodzenia fodelsedatum',
  ),
  PASSPORT: words(
    'passport passportNumber passportNo reisepass reisepassnummer passeport pasaporte passaporto paspoort',
  ),
  ID_CARD: words('idCard idCardNumber identityCard identityCardNumber personalausweis ausweisnummer'),
  NATIONAL_ID: words(
    'nationalId nationalIdNumber ssn socialSecurityNumber taxId steuerId steuerIdNr idnr bsn pesel nir personnummer codiceFiscale nino nhsNumber dni nie numeroSecuriteSociale numeroSecu',
  ),
  SECRET: words(
    'password passwd secret apiKey accessToken refreshToken idToken clientSecret privateKey authToken sessionToken',
  ),
};

const entityType = z.enum(ENTITY_TYPES);
const operator = z.enum(OPERATORS);

const fieldPath = z.string().superRefine((path, ctx) => {
  const error = parseFieldPath(path).error;
  if (error) ctx.addIssue({ code: 'custom', message: error });
});
/** A field name anywhere (`email`) or under a parent (`address.street`); no `$` paths here. */
const fieldName = fieldPath.refine((name) => !name.startsWith('$'), 'a field name, not a $ path');

export const fieldRuleSchema = z.strictObject({
  /** `$.customers[*].email`, `$..customer.email`, or a field name (`email`, `address.street`) anywhere. */
  path: fieldPath,
  type: entityType,
  /** Defaults to the profile's operator for `type`. */
  operator: operator.optional(),
});

export const profileSchema = z.strictObject({
  entities: z.partialRecord(entityType, operator).default({}),
  fields: z.array(fieldRuleSchema).default([]),
  nameFields: z.array(fieldName).default([...DEFAULT_NAME_FIELDS]),
  addressFields: z.array(fieldName).default([...DEFAULT_ADDRESS_FIELDS]),
  /** The field names in BUILTIN_FIELDS (email, phone, dateOfBirth, passport, password, …). */
  builtinFields: z.boolean().default(true),
  /** Parse JSON found in text (a tool's text content) and mask it by field. */
  jsonInText: z.boolean().default(true),
  disabled: z.array(entityType).default([]),
});

export const maskingConfigSchema = z.strictObject({
  /** 32+ random bytes (raw, hex or base64) keying hashes and pseudonyms; without it a key is made at boot. */
  hmacKeyFile: z.string().min(1).optional(),
  /** Regions whose national phone formats are recognised (international ones always are). */
  phoneRegions: z
    .array(
      z
        .string()
        .refine((r) => PHONE_REGIONS.has(r), 'a region libphonenumber knows (ISO 3166 alpha-2, e.g. DE)'),
    )
    .default(['DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'SE', 'GB', 'US']),
  profiles: z
    .record(z.string().min(1), profileSchema)
    .default({ default: profileSchema.parse({}, PARSE_ONCE) }),
  /** Callers in these groups see raw values; their findings are still recorded, as `keep`. */
  exemptGroups: z.array(z.string().min(1)).default(['dpo']),
});

export const serverMaskingSchema = z.strictObject({
  profile: z.string().min(1).default('default'),
  /** Tool name → profile name, overriding `profile` for that tool's results. */
  tools: z.record(z.string().min(1), z.string().min(1)).optional(),
});

export type FieldRuleConfig = z.infer<typeof fieldRuleSchema>;
export type ProfileConfig = z.infer<typeof profileSchema>;
export type MaskingConfig = z.infer<typeof maskingConfigSchema>;
export type ServerMaskingConfig = z.infer<typeof serverMaskingSchema>;
