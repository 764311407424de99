// Builds labelled text: templates interpolate Labelled values, and the builder records where each
// one landed, so offsets are computed rather than counted by hand. JSON is serialised the same way,
// escaping piece by piece (JSON escaping is per character), so a span's offsets stay exact.

import type { Customer } from '../demo/crm/data.ts';
import type { Random } from '../demo/crm/random.ts';
import { Labelled } from './masking-corpus-values.ts';

/** One labelled span, in Presidio's evaluation format (end exclusive, UTF-16 offsets). */
export interface CorpusSpan {
  entity_type: string;
  entity_value: string;
  start_position: number;
  end_position: number;
}

/** A piece of text with its labelled spans. */
export class Built {
  constructor(
    readonly text: string,
    readonly spans: readonly CorpusSpan[],
  ) {}
}

export type Piece = string | number | Labelled | Built;

/** Concatenate pieces, shifting each piece's spans by where it lands. */
export function join(pieces: readonly Piece[]): Built {
  let text = '';
  const spans: CorpusSpan[] = [];
  for (const piece of pieces) {
    if (piece instanceof Labelled) {
      spans.push({
        entity_type: piece.type,
        entity_value: piece.value,
        start_position: text.length,
        end_position: text.length + piece.value.length,
      });
      text += piece.value;
    } else if (piece instanceof Built) {
      for (const span of piece.spans) {
        spans.push({
          ...span,
          start_position: span.start_position + text.length,
          end_position: span.end_position + text.length,
        });
      }
      text += piece.text;
    } else {
      text += String(piece);
    }
  }
  return new Built(text, spans);
}

/** Tagged template: `` s`Call ${phone} now` `` records the phone number's span. */
export function s(strings: TemplateStringsArray, ...values: readonly Piece[]): Built {
  const pieces: Piece[] = [];
  strings.forEach((literal, i) => {
    pieces.push(literal);
    const value = values[i];
    if (value !== undefined) pieces.push(value);
  });
  return join(pieces);
}

/** A JSON tree whose string leaves may be labelled values or labelled text. */
export type JsonIn =
  | null
  | boolean
  | number
  | string
  | Labelled
  | Built
  | readonly JsonIn[]
  | { readonly [key: string]: JsonIn };

const escapeJson = (text: string): string => JSON.stringify(text).slice(1, -1);

function escapeBuilt(built: Built): Built {
  const pieces: Piece[] = [];
  let at = 0;
  for (const span of [...built.spans].sort((a, b) => a.start_position - b.start_position)) {
    pieces.push(escapeJson(built.text.slice(at, span.start_position)));
    pieces.push(new Labelled(span.entity_type as Labelled['type'], escapeJson(span.entity_value)));
    at = span.end_position;
  }
  pieces.push(escapeJson(built.text.slice(at)));
  return join(pieces);
}

function jsonPieces(value: JsonIn, indent: number, depth: number, out: Piece[]): void {
  const newline = indent > 0 ? `\n${' '.repeat(indent * (depth + 1))}` : '';
  const close = indent > 0 ? `\n${' '.repeat(indent * depth)}` : '';
  if (value instanceof Labelled) {
    out.push('"', new Labelled(value.type, escapeJson(value.value)), '"');
  } else if (value instanceof Built) {
    out.push('"', escapeBuilt(value), '"');
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item: JsonIn, i: number) => {
      out.push(i === 0 ? newline : `,${newline}`);
      jsonPieces(item, indent, depth + 1, out);
    });
    out.push(value.length > 0 ? close : '', ']');
  } else if (value !== null && typeof value === 'object') {
    out.push('{');
    Object.entries(value as { readonly [key: string]: JsonIn }).forEach(([key, item], i) => {
      out.push(i === 0 ? newline : `,${newline}`, JSON.stringify(key), indent > 0 ? ': ' : ':');
      jsonPieces(item, indent, depth + 1, out);
    });
    out.push(Object.keys(value).length > 0 ? close : '', '}');
  } else {
    out.push(JSON.stringify(value));
  }
}

/** Serialise like `JSON.stringify(value, null, indent)`, keeping the labelled spans. */
export function jsonText(value: JsonIn, indent = 0): Built {
  const out: Piece[] = [];
  jsonPieces(value, indent, 0, out);
  return join(out);
}

export type Lang = 'en' | 'de' | 'fr' | 'es' | 'it' | 'nl' | 'pl' | 'sv';
export type SampleKind = 'sentence' | 'json' | 'log' | 'negative';

/** What a template draws from: the seeded PRNG, a customer of its language's country, and another. */
export interface TemplateContext {
  readonly r: Random;
  readonly c: Customer;
  readonly other: Customer;
}

export interface Template {
  readonly name: string;
  readonly lang: Lang;
  readonly kind: SampleKind;
  readonly make: (ctx: TemplateContext) => Built;
}

export const template =
  (kind: SampleKind) =>
  (name: string, lang: Lang, make: (ctx: TemplateContext) => Built): Template => ({ name, lang, kind, make });
