// The in-memory CRM behind both protocol eras. One store per HTTP server (or stdio process), so a
// delete made over a legacy session is visible to a modern stateless request and vice versa.

import { randomUUID } from 'node:crypto';
import { type Customer, generateCustomers } from './data.ts';

export interface SearchPage {
  customers: Customer[];
  total: number;
  nextCursor?: string;
}

export interface SentEmail {
  messageId: string;
  to: string;
  subject: string;
  body: string;
}

export interface CrmStoreOptions {
  customers?: number;
  seed?: number;
}

// Cursors are opaque to clients (MCP pagination) but only encode an offset here.
const encodeCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) throw new RangeError('invalid cursor');
  return Number(match[1]);
}

export class CrmStore {
  // Keyed by client-supplied ids, hence a Map (no prototype keys).
  readonly #customers = new Map<string, Customer>();
  // Serialised once: customer_bytes and export are hot paths in the benchmarks.
  readonly #json = new Map<string, string>();
  readonly #outbox: SentEmail[] = [];

  constructor(options: CrmStoreOptions = {}) {
    const generated = generateCustomers({
      ...(options.customers === undefined ? {} : { count: options.customers }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    for (const customer of generated) {
      this.#customers.set(customer.id, customer);
      this.#json.set(customer.id, JSON.stringify(customer));
    }
  }

  get size(): number {
    return this.#customers.size;
  }

  list(limit = Number.POSITIVE_INFINITY): Customer[] {
    return Array.from(this.#customers.values()).slice(0, limit);
  }

  get(id: string): Customer | undefined {
    return this.#customers.get(id);
  }

  /** Case-insensitive substring match on full name, e-mail and city; an empty query matches all. */
  search(query: string, limit: number, cursor?: string): SearchPage {
    const needle = query.trim().toLowerCase();
    const matches = this.list().filter((c) =>
      [`${c.firstName} ${c.lastName}`, c.email, c.address.city].some((field) =>
        field.toLowerCase().includes(needle),
      ),
    );
    const offset = decodeCursor(cursor);
    const page = matches.slice(offset, offset + limit);
    const next = offset + page.length;
    return {
      customers: page,
      total: matches.length,
      ...(next < matches.length ? { nextCursor: encodeCursor(next) } : {}),
    };
  }

  delete(id: string): Customer | undefined {
    const customer = this.#customers.get(id);
    this.#customers.delete(id);
    this.#json.delete(id);
    return customer;
  }

  sendEmail(to: string, subject: string, body: string): SentEmail {
    const email = { messageId: `msg_${randomUUID()}`, to, subject, body };
    this.#outbox.push(email);
    return email;
  }

  get outbox(): readonly SentEmail[] {
    return this.#outbox;
  }

  /** A JSON array of customers (cycling through them) whose UTF-8 length first exceeds `bytes`. */
  customerBytes(bytes: number): string {
    const pieces = Array.from(this.#json.values());
    if (pieces.length === 0) return '[]';
    const parts: string[] = [];
    let length = 2; // the brackets
    for (let i = 0; length <= bytes; i++) {
      const piece = pieces[i % pieces.length] ?? '';
      length += Buffer.byteLength(piece) + (parts.length > 0 ? 1 : 0);
      parts.push(piece);
    }
    return `[${parts.join(',')}]`;
  }
}
