// The CRM tools, one table for both protocol eras. Handlers only talk to the store and the
// era-neutral ToolContext.

import { z } from 'zod';
import type { Customer } from './data.ts';
import { CustomerSchema, defineTool, SearchResultSchema, type ToolDefinition, text } from './definitions.ts';
import type { CrmStore } from './store.ts';

/** Upper bound for customer_bytes, so one call cannot exhaust the demo server's memory. */
export const MAX_CUSTOMER_BYTES = 64 * 1024 * 1024;

const CSV_COLUMNS = [
  'id',
  'firstName',
  'lastName',
  'email',
  'phone',
  'iban',
  'street',
  'city',
  'postalCode',
  'country',
  'dateOfBirth',
  'nationalIdType',
  'nationalId',
] as const;

// RFC 4180: quote fields containing a comma, quote or line break; double inner quotes.
const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

function csvRow(c: Customer): string {
  const { street, city, postalCode, country } = c.address;
  return [
    c.id,
    c.firstName,
    c.lastName,
    c.email,
    c.phone,
    c.iban,
    street,
    city,
    postalCode,
    country,
    c.dateOfBirth,
  ]
    .concat([c.nationalId.type, c.nationalId.value])
    .map(csvField)
    .join(',');
}

const notFound = (id: string) => ({ content: [text(`customer ${id} not found`)], isError: true });

export function createTools(store: CrmStore): ToolDefinition[] {
  return [
    defineTool({
      name: 'search_customers',
      title: 'Search customers',
      description: 'Find customers whose name, e-mail or city contains the query (case-insensitive).',
      inputSchema: z.object({
        query: z.string().describe('Substring to look for; empty matches everyone'),
        limit: z.number().int().min(1).max(100).optional().describe('Page size, default 10'),
        cursor: z.string().optional().describe('nextCursor from a previous page'),
      }),
      outputSchema: SearchResultSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      async run({ query, limit, cursor }, ctx) {
        let page: ReturnType<CrmStore['search']>;
        try {
          page = store.search(query, limit ?? 10, cursor);
        } catch {
          return { content: [text('invalid cursor')], isError: true };
        }
        // Counts only: the logging channel must never carry the customer data itself.
        await ctx.log('info', { event: 'search', queryLength: query.length, matches: page.total });
        const structured = { ...page };
        return { content: [text(JSON.stringify(structured))], structuredContent: structured };
      },
    }),
    defineTool({
      name: 'get_customer',
      title: 'Get customer',
      description: 'Return one customer record by id (e.g. cus_0001).',
      inputSchema: z.object({ id: z.string() }),
      outputSchema: CustomerSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      async run({ id }) {
        const customer = store.get(id);
        if (customer === undefined) return notFound(id);
        return { content: [text(JSON.stringify(customer))], structuredContent: { ...customer } };
      },
    }),
    defineTool({
      name: 'export_customers',
      title: 'Export customers',
      description: 'Export customer records as CSV or JSON. Sends progress notifications when asked.',
      inputSchema: z.object({
        format: z.enum(['csv', 'json']),
        limit: z.number().int().min(1).optional().describe('At most this many customers; default all'),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      async run({ format, limit }, ctx) {
        const customers = store.list(limit);
        const chunk = Math.max(1, Math.ceil(customers.length / 10));
        const rows: string[] = format === 'csv' ? [CSV_COLUMNS.join(',')] : [];
        for (let i = 0; i < customers.length; i++) {
          if (ctx.signal.aborted) return { content: [text('export cancelled')], isError: true };
          const customer = customers[i] as Customer;
          rows.push(format === 'csv' ? csvRow(customer) : JSON.stringify(customer));
          if ((i + 1) % chunk === 0 || i + 1 === customers.length) {
            await ctx.progress(i + 1, customers.length, `exported ${i + 1} of ${customers.length}`);
          }
        }
        const body = format === 'csv' ? `${rows.join('\r\n')}\r\n` : `[${rows.join(',')}]`;
        return { content: [text(body)] };
      },
    }),
    defineTool({
      name: 'delete_customer',
      title: 'Delete customer',
      description: 'Delete a customer record (in memory only; restarts restore it).',
      inputSchema: z.object({ id: z.string(), reason: z.string().optional() }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      async run({ id, reason }) {
        if (store.delete(id) === undefined) return notFound(id);
        const outcome = { deleted: id, ...(reason === undefined ? {} : { reason }) };
        return { content: [text(JSON.stringify(outcome))] };
      },
    }),
    defineTool({
      name: 'send_email',
      title: 'Send e-mail',
      description:
        'Pretend to send an e-mail to a customer; returns a message id. Nothing leaves the process.',
      inputSchema: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
      async run({ to, subject, body }) {
        const { messageId } = store.sendEmail(to, subject, body);
        return { content: [text(JSON.stringify({ messageId, to }))] };
      },
    }),
    defineTool({
      name: 'echo',
      title: 'Echo',
      description: 'Return the message unchanged.',
      inputSchema: z.object({ message: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      async run({ message }) {
        return { content: [text(message)] };
      },
    }),
    defineTool({
      name: 'customer_bytes',
      title: 'Customer bytes',
      description:
        'Return a JSON array of customer records just over the requested size in bytes (for benchmarks).',
      inputSchema: z.object({ bytes: z.number().int().min(0).max(MAX_CUSTOMER_BYTES) }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      async run({ bytes }) {
        return { content: [text(store.customerBytes(bytes))] };
      },
    }),
  ];
}
