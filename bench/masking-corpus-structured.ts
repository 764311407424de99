// What MCP servers actually return: JSON in a tool result's text block (customer records with
// field names, in several naming styles and languages) and log lines (application, access,
// syslog, JSON logs). The JSON sample's text is what `content[0].text` holds.

import type { Customer } from '../demo/crm/data.ts';
import type { Random } from '../demo/crm/random.ts';
import {
  type JsonIn,
  jsonText,
  s,
  type Template,
  type TemplateContext,
  template,
} from './masking-corpus-build.ts';
import { SENTENCE_TEMPLATES } from './masking-corpus-sentences.ts';
import {
  card,
  dateOfBirth,
  email,
  givenName,
  hex,
  iban,
  idCard,
  ipv4,
  ipv6,
  label,
  mac,
  nationalId,
  orderNumber,
  passport,
  person,
  phone,
  secret,
  surname,
  timestamp,
  usSsn,
  uuid,
} from './masking-corpus-values.ts';

const json = template('json');
const log = template('log');

const indent = (r: Random): number => (r.next() < 0.5 ? 0 : 2);

function crmRecord(c: Customer): JsonIn {
  return {
    id: c.id,
    firstName: givenName(c),
    lastName: surname(c),
    email: label('EMAIL', c.email),
    phone: label('PHONE', c.phone),
    iban: label('IBAN', c.iban),
    address: {
      street: label('ADDRESS', c.address.street),
      city: label('ADDRESS', c.address.city),
      postalCode: label('ADDRESS', c.address.postalCode),
      country: c.address.country,
    },
    dateOfBirth: label('DATE_OF_BIRTH', c.dateOfBirth),
    nationalId: {
      country: c.nationalId.country,
      type: c.nationalId.type,
      value: label('NATIONAL_ID', c.nationalId.value),
    },
  };
}

/** A free-text sentence from another template, to sit inside a JSON string field. */
const sentence = (ctx: TemplateContext) => ctx.r.pick(SENTENCE_TEMPLATES).make(ctx);

export const JSON_TEMPLATES: readonly Template[] = [
  json('json-crm-customers', 'en', ({ r, c, other }) => {
    const customers = r.next() < 0.5 ? [crmRecord(c)] : [crmRecord(c), crmRecord(other)];
    return jsonText({ customers, total: customers.length, nextCursor: null }, indent(r));
  }),
  json('json-crm-customer', 'en', ({ r, c }) => jsonText(crmRecord(c), indent(r))),
  json('json-contact-card', 'en', (ctx) =>
    jsonText(
      {
        name: person(ctx.r, ctx.c),
        contact: { email: email(ctx.r, ctx.c), phone: phone(ctx.r, ctx.c) },
        notes: sentence(ctx),
        tags: ['vip', 'newsletter'],
      },
      indent(ctx.r),
    ),
  ),
  json('json-payment', 'en', ({ r, c }) =>
    jsonText(
      {
        orderId: orderNumber(r),
        amount: r.int(100, 99_999) / 100,
        currency: 'EUR',
        payer: { name: person(r, c), iban: iban(r, c) },
        card: { number: card(r), expiry: `${String(r.int(1, 12)).padStart(2, '0')}/${r.int(26, 31)}` },
        createdAt: timestamp(r),
      },
      indent(r),
    ),
  ),
  json('json-account', 'en', ({ r, c }) =>
    jsonText(
      {
        userId: uuid(r),
        email: email(r, c),
        lastLoginIp: ipv4(r),
        mfaEnabled: r.next() < 0.5,
        apiKey: secret(r),
        createdAt: timestamp(r),
      },
      indent(r),
    ),
  ),
  json('json-device', 'en', ({ r, c }) =>
    jsonText(
      {
        hostname: `wks-${r.pattern('####')}`,
        mac: mac(r),
        ipv4: ipv4(r),
        ipv6: ipv6(r),
        owner: person(r, c),
        serial: `SN-${r.pattern('LL########')}`,
        os: 'Windows 11 23H2',
        agentVersion: `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 99)}`,
      },
      indent(r),
    ),
  ),
  json('json-hr', 'en', ({ r, c }) =>
    jsonText(
      {
        employee: {
          givenName: givenName(c),
          familyName: surname(c),
          birthDate: label('DATE_OF_BIRTH', c.dateOfBirth),
          taxId: nationalId(r, c),
          passportNumber: passport(r, c.address.country),
          idCardNumber: idCard(r, c.address.country),
        },
        department: r.pick(['Finance', 'Sales', 'Engineering']),
        startDate: `${r.int(2015, 2024)}-0${r.int(1, 9)}-01`,
      },
      indent(r),
    ),
  ),
  json('json-ticket', 'en', (ctx) =>
    jsonText(
      {
        ticketId: `TCK-${ctx.r.pattern('######')}`,
        subject: ctx.r.pick(['Refund request', 'Address change', 'Account locked']),
        body: sentence(ctx),
        priority: 'high',
        createdAt: timestamp(ctx.r),
      },
      indent(ctx.r),
    ),
  ),
  json('json-search-results', 'en', (ctx) =>
    jsonText(
      {
        results: [
          { title: 'Support conversation', snippet: sentence(ctx), score: 0.87 },
          { title: 'Follow-up', snippet: sentence({ ...ctx, c: ctx.other }), score: 0.61 },
        ],
      },
      indent(ctx.r),
    ),
  ),
  json('json-snake-case', 'en', ({ r, c }) =>
    jsonText(
      {
        first_name: givenName(c),
        last_name: surname(c),
        email_address: email(r, c),
        phone_number: phone(r, c),
        street_address: label('ADDRESS', c.address.street),
        zip_code: label('ADDRESS', c.address.postalCode),
        city: label('ADDRESS', c.address.city),
        date_of_birth: label('DATE_OF_BIRTH', c.dateOfBirth),
        social_security_number: usSsn(r),
      },
      indent(r),
    ),
  ),
  json('json-fields-de', 'de', ({ r, c }) =>
    jsonText(
      {
        vorname: givenName(c),
        nachname: surname(c),
        telefon: phone(r, c),
        geburtsdatum: dateOfBirth(r, c, 'de'),
        strasse: label('ADDRESS', c.address.street),
        plz: label('ADDRESS', c.address.postalCode),
        ort: label('ADDRESS', c.address.city),
        steuerId: nationalId(r, c),
        kundennummer: c.id,
      },
      indent(r),
    ),
  ),
  json('json-fields-fr', 'fr', ({ r, c }) =>
    jsonText(
      {
        prenom: givenName(c),
        nom: surname(c),
        telephone: phone(r, c),
        courriel: email(r, c),
        adresse: label('ADDRESS', `${c.address.street}, ${c.address.postalCode} ${c.address.city}`),
        date_naissance: dateOfBirth(r, c, 'fr'),
        numero_securite_sociale: nationalId(r, c),
      },
      indent(r),
    ),
  ),
];

const nginxDate = (r: Random): string =>
  `${r.int(10, 28)}/${r.pick(['Jan', 'Mar', 'May', 'Sep'])}/2025:${r.int(10, 23)}:${r.int(10, 59)}:${r.int(10, 59)} +0000`;

export const LOG_TEMPLATES: readonly Template[] = [
  log(
    'log-auth',
    'en',
    ({ r, c }) => s`${timestamp(r)} INFO auth login ok user=${email(r, c)} ip=${ipv4(r)} session=${uuid(r)}`,
  ),
  log('log-nginx', 'en', ({ r, c }) => {
    const agent = `Mozilla/5.0 (X11; Linux x86_64) Chrome/${r.int(110, 130)}.0.${r.int(1000, 6999)}.${r.int(10, 199)}`;
    return s`${ipv4(r)} - - [${nginxDate(r)}] "GET /api/v1/customers/lookup?email=${email(r, c)} HTTP/1.1" 200 ${r.int(200, 9000)} "-" "${agent}"`;
  }),
  log(
    'log-payment',
    'en',
    ({ r }) =>
      s`${timestamp(r)} WARN payment declined card=${card(r)} amount=49.90 EUR order=${orderNumber(r)}`,
  ),
  log(
    'log-logfmt-iban',
    'en',
    ({ r, c }) =>
      s`level=error ts=${timestamp(r)} msg="sepa mandate rejected" iban=${iban(r, c)} holder="${person(r, c)}" trace_id=${hex(r, 32)}`,
  ),
  log('log-json-line', 'en', ({ r, c }) =>
    jsonText({
      ts: timestamp(r),
      level: 'info',
      msg: 'profile updated',
      user: { email: email(r, c), phone: phone(r, c) },
      ip: ipv4(r),
      requestId: uuid(r),
    }),
  ),
  log(
    'log-dhcp',
    'en',
    ({ r }) =>
      s`May ${r.int(10, 28)} 09:12:44 gw01 dhcpd[${r.int(100, 9999)}]: DHCPACK on ${ipv4(r)} to ${mac(r)} (wks-${r.pattern('####')}) via eth0`,
  ),
  log(
    'log-headers',
    'en',
    ({ r }) => s`DEBUG outbound headers {"authorization":"Bearer ${secret(r)}","x-request-id":"${uuid(r)}"}`,
  ),
  log(
    'log-pem',
    'en',
    ({ r }) => s`${timestamp(r)} ERROR refusing to load key material:\n${secret(r, { multiline: true })}`,
  ),
  log(
    'log-traceback',
    'en',
    ({ r, c }) =>
      s`ValueError: invalid date of birth '${label('DATE_OF_BIRTH', c.dateOfBirth)}' for customer ${c.id} (line ${r.int(10, 999)})`,
  ),
  log(
    'log-audit-export',
    'en',
    ({ r, c, other }) =>
      s`audit: ${email(r, other)} exported the record of ${person(r, c)} (national ID ${nationalId(r, c)})`,
  ),
  log(
    'log-de-phone',
    'de',
    ({ r, c }) =>
      s`${timestamp(r)} INFO  Kunde ${person(r, c)} hat Telefonnummer auf ${phone(r, c)} geändert`,
  ),
  log(
    'log-sshd',
    'en',
    ({ r }) =>
      s`sshd[${r.int(100, 9999)}]: Accepted publickey for deploy from ${ipv6(r)} port ${r.int(30000, 65000)} ssh2: RSA SHA256:${hex(r, 43)}`,
  ),
  log(
    'log-fr-login',
    'fr',
    ({ r, c }) => s`${timestamp(r)} WARN Échec de connexion pour ${email(r, c)} depuis ${ipv4(r)}`,
  ),
  log(
    'log-it-cf',
    'it',
    ({ r, c }) => s`${timestamp(r)} INFO verifica anagrafica ok cf=${nationalId(r, c)} esito=OK`,
  ),
];
