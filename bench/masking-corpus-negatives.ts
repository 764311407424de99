// Look-alikes a masker must leave alone: order and invoice numbers, IBANs, cards and national IDs
// whose check digits fail, version strings (one shaped like an IPv4 address), timestamps, UUIDs,
// hashes, prices, phone-shaped part numbers, capitalised words that are also first names, and
// country names in prose.
// Every template here yields no labelled span: anything the masker finds in them is a false positive.

import type { Random } from '../demo/crm/random.ts';
import { jsonText, type Lang, s, type Template, template } from './masking-corpus-build.ts';
import {
  brokenCard,
  brokenIban,
  brokenNationalId,
  charsOf,
  hex,
  invalidSsn,
  orderNumber,
  timestamp,
  uuid,
} from './masking-corpus-values.ts';

const t = template('negative');
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** A recent calendar date (2019-2026) in the language's usual format: never a date of birth. */
function date(r: Random, lang: Lang): string {
  const [y, m, d] = [r.int(2019, 2026), pad2(r.int(1, 12)), pad2(r.int(1, 28))];
  if (lang === 'en') return r.next() < 0.5 ? `${y}-${m}-${d}` : `${m}/${d}/${y}`;
  if (lang === 'de' || lang === 'pl') return `${d}.${m}.${y}`;
  if (lang === 'nl') return `${d}-${m}-${y}`;
  if (lang === 'sv') return `${y}-${m}-${d}`;
  return `${d}/${m}/${y}`;
}

function price(r: Random, lang: Lang): string {
  const euros = r.int(1, 9999);
  const cents = pad2(r.int(0, 99));
  const grouped = (sep: string): string =>
    euros >= 1000
      ? `${Math.floor(euros / 1000)}${sep}${String(euros % 1000).padStart(3, '0')}`
      : String(euros);
  if (lang === 'en') return r.next() < 0.5 ? `€${grouped(',')}.${cents}` : `$${grouped(',')}.${cents}`;
  if (lang === 'fr') return `${grouped(' ')},${cents} €`;
  if (lang === 'pl') return `${grouped(' ')},${cents} zł`;
  if (lang === 'sv') return `${grouped(' ')} kr`;
  if (lang === 'it' || lang === 'nl') return `€ ${grouped('.')},${cents}`;
  return `${grouped('.')},${cents} €`;
}

const version = (r: Random): string => `${r.int(0, 12)}.${r.int(0, 40)}.${r.int(0, 30)}`;

/** ISBN-13 with a valid check digit (weights 1,3): a checksummed number that is not personal. */
function isbn(r: Random): string {
  const first12 = `978${r.pattern('#########')}`;
  const sum = Array.from(first12).reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  const body = `${first12}${(10 - (sum % 10)) % 10}`;
  return `${body.slice(0, 3)}-${body.slice(3, 4)}-${body.slice(4, 7)}-${body.slice(7, 12)}-${body.slice(12)}`;
}

const BAD_ID_SENTENCES: Readonly<Record<Exclude<Lang, 'en'>, (bad: string) => string>> = {
  de: (bad) => `Die Steuer-ID ${bad} ist ungültig, bitte prüfen.`,
  fr: (bad) => `Le numéro de sécurité sociale ${bad} est invalide (clé incorrecte).`,
  es: (bad) => `El DNI ${bad} no es válido: la letra no coincide.`,
  it: (bad) => `Il codice fiscale ${bad} non è valido.`,
  nl: (bad) => `BSN ${bad} klopt niet volgens de elfproef.`,
  pl: (bad) => `Numer PESEL ${bad} jest nieprawidłowy.`,
  sv: (bad) => `Personnumret ${bad} är ogiltigt.`,
};

const CAPITALISED = [
  'Mark the ticket as done and Grant access to the Sales team in the Berlin office.',
  'Will you Bill the Hunter account before the end of May?',
  'Rose Gold and Ivory White are back in stock in all sizes.',
  'Please Read the Terms of Service before you Sign Up.',
  'Die Bestellung liegt bei Hermes, Abholung ab Montag möglich.',
  'Le service Client Orange a répondu Lundi matin.',
];

// Countries in prose: where goods go, where a team sits. Not an address, so not masked.
const COUNTRY_PROSE: Readonly<Record<'en' | 'de' | 'fr', readonly string[]>> = {
  en: [
    'Germany',
    'France',
    'Spain',
    'Italy',
    'Poland',
    'Sweden',
    'Netherlands',
    'Portugal',
    'Austria',
    'Ireland',
  ],
  de: ['Deutschland', 'Österreich', 'Schweiz', 'Frankreich', 'Polen'],
  fr: ['France', 'Belgique', 'Suisse', 'Espagne', 'Italie'],
};
const countries = (r: Random, lang: 'en' | 'de' | 'fr'): [string, string] => {
  const a = r.pick(COUNTRY_PROSE[lang]);
  let b = r.pick(COUNTRY_PROSE[lang]);
  if (b === a) b = COUNTRY_PROSE[lang].find((x) => x !== a) as string;
  return [a, b];
};
/** Added after the first published figures: appended to the corpus, so earlier samples stay as they were. */
export const LATER_NEGATIVE_TEMPLATES: readonly Template[] = [
  t('neg-en-countries', 'en', ({ r }) => {
    const [a, b] = countries(r, 'en');
    return r.pick([
      () => s`Shipping to ${a} takes ${r.int(2, 9)} days; ${b} follows next month.`,
      () => s`Our teams in ${a} and ${b} meet every Monday.`,
      () => s`The conference moves from ${a} to ${b} in ${r.int(2026, 2029)}.`,
      () => s`Prices for ${a} include VAT; ${b} is billed without it.`,
    ])();
  }),
  t('neg-de-countries', 'de', ({ r }) => {
    const [a, b] = countries(r, 'de');
    return s`Der Versand nach ${a} dauert ${r.int(2, 9)} Werktage, nach ${b} etwas länger.`;
  }),
  t('neg-fr-countries', 'fr', ({ r }) => {
    const [a, b] = countries(r, 'fr');
    return s`Livraison gratuite en ${a} et en ${b} dès ${price(r, 'fr')}.`;
  }),
];

const badIdTemplates = (Object.keys(BAD_ID_SENTENCES) as Exclude<Lang, 'en'>[]).map((lang) =>
  t(`neg-${lang}-bad-national-id`, lang, ({ r, c }) => s`${BAD_ID_SENTENCES[lang](brokenNationalId(r, c))}`),
);

export const NEGATIVE_TEMPLATES: readonly Template[] = [
  ...badIdTemplates,
  t(
    'neg-en-order',
    'en',
    ({ r }) => s`Order ${orderNumber(r)} shipped on ${date(r, 'en')}, total ${price(r, 'en')}.`,
  ),
  t(
    'neg-de-invoice',
    'de',
    ({ r }) =>
      s`Bitte überweisen Sie ${price(r, 'de')} bis zum ${date(r, 'de')}. Rechnungsnummer RE-${r.int(2020, 2025)}-${r.pattern('#####')}.`,
  ),
  t(
    'neg-en-bad-iban',
    'en',
    ({ r, c }) => s`The IBAN ${brokenIban(r, c)} was rejected: its check digits do not match.`,
  ),
  t('neg-de-bad-iban', 'de', ({ r, c }) => s`Die IBAN ${brokenIban(r, c)} ist ungültig (Prüfziffer falsch).`),
  t(
    'neg-en-bad-card',
    'en',
    ({ r }) => s`Card number ${brokenCard(r)} failed validation, please re-enter it.`,
  ),
  t('neg-fr-bad-card', 'fr', ({ r }) => s`Le numéro de carte ${brokenCard(r)} est invalide.`),
  t('neg-en-bad-ssn', 'en', ({ r }) => s`SSN ${invalidSsn(r)} is not a number the SSA issues.`),
  t(
    'neg-version',
    'en',
    ({ r }) =>
      s`Upgraded the gateway from v${version(r)} to v${version(r)} (build ${r.pattern('####')}); Node.js ${version(r)}.`,
  ),
  t(
    'neg-firmware',
    'en',
    ({ r }) =>
      s`Updated firmware to version ${r.int(1, 9)}.${r.int(0, 9)}.${r.int(0, 20)}.${r.int(0, 99)} (previous ${r.int(1, 9)}.${r.int(0, 9)}.${r.int(0, 20)}).`,
  ),
  t(
    'neg-request',
    'en',
    ({ r }) => s`Request ${uuid(r)} completed in ${r.int(2, 900)} ms at ${timestamp(r)}.`,
  ),
  t(
    'neg-de-part',
    'de',
    ({ r }) =>
      s`Ersatzteil-Nr. ${r.pattern('0### #### ###')}, Charge ${r.int(2020, 2025)}-${r.int(1, 52)}, Preis ${price(r, 'de')}`,
  ),
  t(
    'neg-en-part',
    'en',
    ({ r }) => s`Part no. ${r.pattern('###-####-####')} is back in stock (SKU ${r.pattern('LL-#####')}).`,
  ),
  t(
    'neg-commit',
    'en',
    ({ r }) => s`Commit ${hex(r, 40)} fixed the regression; image digest sha256:${hex(r, 64)}.`,
  ),
  t('neg-isbn', 'en', ({ r }) => s`ISBN ${isbn(r)}, ${r.int(90, 900)} pages, paperback.`),
  t(
    'neg-tracking',
    'en',
    ({ r }) =>
      s`Tracking number 1Z${charsOf(r, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 16)}, expected delivery ${date(r, 'en')}.`,
  ),
  t(
    'neg-coordinates',
    'en',
    ({ r }) =>
      s`Pickup point at ${r.int(36, 60)}.${r.pattern('####')}, ${r.int(2, 25)}.${r.pattern('####')}, open 08:00-18:00.`,
  ),
  t(
    'neg-listen',
    'en',
    ({ r }) => s`Server listening on 0.0.0.0:${r.int(1024, 9999)} and 127.0.0.1:${r.int(1024, 9999)}.`,
  ),
  t('neg-fr-parcel', 'fr', ({ r }) => s`Le colis n° ${orderNumber(r)} sera livré le ${date(r, 'fr')}.`),
  t(
    'neg-es-order',
    'es',
    ({ r }) => s`El pedido ${orderNumber(r)} cuesta ${price(r, 'es')} y llegará el ${date(r, 'es')}.`,
  ),
  t(
    'neg-it-order',
    'it',
    ({ r }) => s`Ordine n. ${orderNumber(r)} del ${date(r, 'it')}, importo ${price(r, 'it')}.`,
  ),
  t('neg-nl-order', 'nl', ({ r }) => s`Bestelling ${orderNumber(r)} is verzonden op ${date(r, 'nl')}.`),
  t(
    'neg-pl-order',
    'pl',
    ({ r }) => s`Zamówienie nr ${orderNumber(r)} z dnia ${date(r, 'pl')}, kwota ${price(r, 'pl')}.`,
  ),
  t(
    'neg-sv-order',
    'sv',
    ({ r }) => s`Order ${orderNumber(r)} skickades ${date(r, 'sv')}, totalt ${price(r, 'sv')}.`,
  ),
  t('neg-json-order', 'en', ({ r }) =>
    jsonText(
      {
        orderId: orderNumber(r),
        sku: r.pattern('LL-#####'),
        createdAt: timestamp(r),
        amount: r.int(100, 99_999) / 100,
        currency: 'EUR',
        status: r.pick(['shipped', 'paid', 'cancelled']),
        trackingNumber: `1Z${charsOf(r, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 16)}`,
        requestId: uuid(r),
        version: version(r),
      },
      r.next() < 0.5 ? 0 : 2,
    ),
  ),
  t(
    'neg-log-request',
    'en',
    ({ r }) =>
      s`${timestamp(r)} INFO GET /api/v2/orders/${orderNumber(r).replace('#', '')} 200 ${r.int(2, 900)}ms req_id=${uuid(r)} build=${version(r)}`,
  ),
  t('neg-capitalised', 'en', ({ r }) => s`${r.pick(CAPITALISED)}`),
  t(
    'neg-measurements',
    'en',
    ({ r }) =>
      s`Temperature ${r.int(15, 30)}.${r.int(0, 9)} °C, humidity ${r.int(20, 90)} %, pressure ${r.int(980, 1040)}.${pad2(r.int(0, 99))} hPa at ${pad2(r.int(0, 23))}:${pad2(r.int(0, 59))}:${pad2(r.int(0, 59))}.`,
  ),
  t(
    'neg-de-dates',
    'de',
    ({ r }) =>
      s`Rechnungsdatum: ${date(r, 'de')}, Leistungsdatum ${date(r, 'de')}, fällig am ${date(r, 'de')}.`,
  ),
  t('neg-en-dates', 'en', ({ r }) => s`The contract runs from ${date(r, 'en')} to ${date(r, 'en')}.`),
  t(
    'neg-epoch',
    'en',
    ({ r }) =>
      s`expires_at=${r.int(1_700_000_000, 1_800_000_000)} issued_at=${r.int(1_700_000_000, 1_800_000_000)}${r.pattern('###')} nonce=${hex(r, 16)}`,
  ),
  t(
    'neg-css',
    'en',
    ({ r }) => s`color: #${hex(r, 6)}; margin: 0 ${r.int(1, 16)}px; z-index: ${r.int(1, 999)};`,
  ),
  t(
    'neg-customer-ref',
    'en',
    ({ r, c }) => s`Customer ${c.id} has ${r.int(2, 9)} open orders (${orderNumber(r)}, ${orderNumber(r)}).`,
  ),
  t(
    'neg-gpg',
    'en',
    ({ r }) => s`Release ${version(r)} signed with key fingerprint ${hex(r, 40).toUpperCase()}.`,
  ),
];
