// CSV and TSV in text (a tool's export): with a header row, each column is masked by its field
// name like a JSON field (`email`, `dateOfBirth`, `street`), and the other cells by detectors.
// Offsets stay those of the text; the delimiters, quoting and line endings are kept.

import { type MaskRun, record, subtypeOf } from './run.ts';

const HEADER_CELL = /^[A-Za-z_][\w .-]{0,63}$/;

export interface CsvCell {
  /** Offsets of the cell's value in the text (inside the quotes when quoted). */
  readonly start: number;
  readonly end: number;
  readonly value: string;
  readonly quoted: boolean;
  readonly column: number;
}

/** RFC 4180 records of `text`; undefined when a quote is left open. */
function parseCells(text: string, delimiter: number): CsvCell[][] | undefined {
  const rows: CsvCell[][] = [];
  let row: CsvCell[] = [];
  let i = 0;
  while (i <= text.length) {
    const quoted = text.charCodeAt(i) === 34;
    let start = i;
    let end: number;
    let value: string;
    if (quoted) {
      start = i + 1;
      let j = start;
      let decoded = '';
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return undefined;
        decoded += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          decoded += '"';
          j = q + 2;
        } else {
          end = q;
          i = q + 1;
          break;
        }
      }
      value = decoded;
    } else {
      let j = i;
      while (j < text.length) {
        const c = text.charCodeAt(j);
        if (c === delimiter || c === 10 || c === 13) break;
        j++;
      }
      end = j;
      i = j;
      value = text.slice(start, end);
    }
    row.push({ start, end, value, quoted, column: row.length });
    const c = text.charCodeAt(i);
    if (c === delimiter) i++;
    else {
      rows.push(row);
      row = [];
      if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2;
      else i++;
      if (i >= text.length) break;
    }
  }
  return rows;
}

export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly CsvCell[][];
  readonly delimiter: string;
}

/**
 * A table when `text` starts with a header row of field names, has at least one data row, and
 * every row has the header's width; otherwise undefined (and the text is masked as prose).
 */
export function parseCsvTable(text: string): CsvTable | undefined {
  const newline = text.indexOf('\n');
  if (newline < 3 || newline === text.length - 1) return undefined;
  const first = text.slice(0, newline).replace(/\r$/, '');
  const delimiter = [',', ';', '\t'].find((d) => first.split(d).length >= 3);
  if (delimiter === undefined) return undefined;
  // Prose with commas fails here, before any cell of the rest is parsed.
  if (!first.includes('"') && !first.split(delimiter).every((h) => HEADER_CELL.test(h.trim())))
    return undefined;
  const rows = parseCells(text, delimiter.charCodeAt(0));
  const header = rows?.[0]?.map((c) => c.value.trim());
  if (!rows || !header || rows.length < 2 || !header.every((h) => HEADER_CELL.test(h))) return undefined;
  const width = header.length;
  if (
    !rows.every(
      (r, i) => r.length === width || (i === rows.length - 1 && r.length === 1 && r[0]?.value === ''),
    )
  )
    return undefined;
  return { header, rows: rows.slice(1).filter((r) => r.length === width), delimiter };
}

/** A cell's new text, quoted when the masked value needs it (or was quoted before). */
export function csvCellText(value: string, quoted: boolean, delimiter: string): string {
  const needs = quoted || value.includes(delimiter) || /["\r\n]/.test(value);
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A CSV table: columns with a field rule masked whole, other cells by detectors. */
export function maskTable(
  run: MaskRun,
  text: string,
  table: CsvTable,
  path: string,
  maskCell: (run: MaskRun, text: string, path: string, offset: number) => string,
): string {
  const rules = table.header.map((name) => run.profile.fields.find([name], name));
  let out = '';
  let at = 0;
  for (const row of table.rows) {
    for (const cell of row) {
      if (cell.value.length === 0) continue;
      const rule = rules[cell.column];
      const masked = rule
        ? record(
            run,
            rule.type,
            subtypeOf(rule, cell.value),
            path,
            cell.start,
            cell.value,
            rule.detector,
            rule.operator,
          )
        : maskCell(run, cell.value, path, cell.start);
      if (masked === cell.value || run.reportOnly || run.profile.exempt) continue;
      const rawStart = cell.quoted ? cell.start - 1 : cell.start;
      out += text.slice(at, rawStart) + csvCellText(masked, cell.quoted, table.delimiter);
      at = cell.quoted ? cell.end + 1 : cell.end;
    }
  }
  return at === 0 ? text : out + text.slice(at);
}
