// Resources and prompts of the CRM, one table for both protocol eras.

import { z } from 'zod';
import type { Customer } from './data.ts';
import {
  CustomerSchema,
  NotFoundError,
  type PromptDefinition,
  type ResourceTemplateDefinition,
  type StaticResourceDefinition,
  text,
} from './definitions.ts';
import type { CrmStore } from './store.ts';

/** How many customers resources/list advertises; the rest are reachable through the template. */
export const LISTED_CUSTOMERS = 25;

const JSON_MIME = 'application/json';
// Ids are generated as cus_NNNN, so they need no percent-encoding in the URI.
const customerUri = (id: string): string => `crm://customers/${id}`;

export function createStaticResources(): StaticResourceDefinition[] {
  // Computed once: the schema never changes while the process runs.
  const schema = JSON.stringify(z.toJSONSchema(CustomerSchema), null, 2);
  return [
    {
      name: 'schema',
      uri: 'crm://schema',
      title: 'Customer record schema',
      description: 'JSON Schema of a customer record',
      mimeType: 'application/schema+json',
      read: () => ({ uri: 'crm://schema', mimeType: 'application/schema+json', text: schema }),
    },
  ];
}

export function createResourceTemplates(store: CrmStore): ResourceTemplateDefinition[] {
  return [
    {
      name: 'customer',
      uriTemplate: 'crm://customers/{id}',
      title: 'Customer record',
      description: 'One customer record as JSON',
      mimeType: JSON_MIME,
      list: () =>
        store.list(LISTED_CUSTOMERS).map((c) => ({
          uri: customerUri(c.id),
          name: c.id,
          title: `${c.firstName} ${c.lastName}`,
          mimeType: JSON_MIME,
        })),
      read(uri, variables) {
        const raw = variables.id;
        const id = typeof raw === 'string' ? raw : undefined;
        const customer = id === undefined ? undefined : store.get(id);
        if (customer === undefined)
          throw new NotFoundError(`Resource not found: ${uri.href}`, { uri: uri.href });
        return { uri: uri.href, mimeType: JSON_MIME, text: JSON.stringify(customer, null, 2) };
      },
    },
  ];
}

function requireCustomer(store: CrmStore, id: string | undefined): Customer {
  const customer = id === undefined ? undefined : store.get(id);
  if (customer === undefined)
    throw new NotFoundError(`customer ${id} not found`, { uri: customerUri(id ?? '') });
  return customer;
}

export function createPrompts(store: CrmStore): PromptDefinition[] {
  const idShape = { id: z.string().describe('Customer id, e.g. cus_0001') };
  return [
    {
      name: 'summarize_customer',
      title: 'Summarize customer',
      description: 'Ask the model for a short account summary of one customer.',
      argsShape: idShape,
      get({ id }) {
        const customer = requireCustomer(store, id);
        return {
          description: `Summary of ${customer.id}`,
          messages: [
            {
              role: 'user',
              content: text(
                `Summarize this customer for an account manager in three sentences.\n\n${JSON.stringify(customer, null, 2)}`,
              ),
            },
          ],
        };
      },
    },
    {
      name: 'draft_gdpr_reply',
      title: 'Draft GDPR reply',
      description: 'Draft a reply to a GDPR Art. 15 subject access request from this customer.',
      argsShape: idShape,
      get({ id }) {
        const customer = requireCustomer(store, id);
        return {
          description: `GDPR access reply for ${customer.id}`,
          messages: [
            {
              role: 'user',
              content: text(
                `Draft a reply to ${customer.firstName} ${customer.lastName} <${customer.email}> answering their ` +
                  'subject access request under GDPR Art. 15. List the categories of personal data we hold, ' +
                  `the purposes and the retention period.\n\nRecord:\n${JSON.stringify(customer, null, 2)}`,
              ),
            },
          ],
        };
      },
    },
  ];
}
