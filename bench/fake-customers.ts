// Deterministic fake personal data for the `customer` tool: the same bytes on every run and
// machine (mulberry32 PRNG with a fixed seed), shaped like what a masking step has to find.

const FIRST = ['Jane', 'Lukas', 'Maria', 'Ahmed', 'Sofia', 'Jan', 'Chloé', 'Piotr', 'Ingrid', 'Mateo'];
const LAST = ['Doe', 'Müller', 'Rossi', 'Khan', 'Novak', 'Jansen', 'Martin', 'Kowalski', 'Larsen', 'García'];
const CACHE_LIMIT = 16;

type Random = () => number;

function mulberry32(seed: number): Random {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(random: Random, list: readonly string[]): string {
  return list[Math.floor(random() * list.length)] ?? '';
}

function digits(random: Random, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(Math.floor(random() * 10));
  return out;
}

/** A German IBAN whose check digits pass ISO 7064 mod 97-10. */
function germanIban(random: Random): string {
  const bban = digits(random, 18);
  const numeric = `${bban}131400`; // "DE00" moved to the end: D=13, E=14, 00
  let mod = 0;
  for (const ch of numeric) mod = (mod * 10 + Number(ch)) % 97;
  return `DE${String(98 - mod).padStart(2, '0')}${bban}`;
}

function asciiEmail(first: string, last: string, n: number): string {
  return `${first}.${last}${n}@example.com`
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

const cache = new Map<number, string>();

/** A JSON array of customer records just over `bytes` long; cached per size. */
export function fakeCustomers(bytes: number): string {
  const cached = cache.get(bytes);
  if (cached !== undefined) return cached;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  const random = mulberry32(42);
  const records: object[] = [];
  let length = 2;
  while (length < bytes) {
    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    const record = {
      id: records.length + 1,
      name: `${first} ${last}`,
      email: asciiEmail(first, last, records.length),
      phone: `+49 30 ${digits(random, 8)}`,
      iban: germanIban(random),
    };
    records.push(record);
    length += JSON.stringify(record).length + 1;
  }
  const text = JSON.stringify(records);
  cache.set(bytes, text);
  return text;
}
