// Where each string value of a JSON text sits in that text. The engine reports a finding inside
// JSON by the value's path and offsets into the decoded value; the corpus labels offsets into the
// JSON text. This maps one onto the other, escapes included.

/** A string value: its JSON path (`$.customers[0].email`) and raw offset of each decoded char. */
export interface JsonString {
  readonly path: string;
  /** rawOffsets[i] = offset in the JSON text of decoded char i; one extra entry for the end. */
  readonly rawOffsets: readonly number[];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export const childPath = (parent: string, key: string | number): string =>
  typeof key === 'number'
    ? `${parent}[${key}]`
    : IDENTIFIER.test(key)
      ? `${parent}.${key}`
      : `${parent}[${JSON.stringify(key)}]`;

/** Every string value (not key) of a JSON text, with its path; throws on invalid JSON. */
export function locateJsonStrings(text: string, root = '$'): Map<string, JsonString> {
  const out = new Map<string, JsonString>();
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
  };
  const readString = (): { value: string; rawOffsets: number[] } => {
    i++; // opening quote
    let value = '';
    const rawOffsets: number[] = [];
    while (text.charAt(i) !== '"') {
      if (i >= text.length) throw new SyntaxError('unterminated string');
      const at = i;
      if (text.charAt(i) === '\\') {
        const esc = text.charAt(i + 1);
        if (esc === 'u') {
          value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          value += JSON.parse(`"\\${esc}"`) as string;
          i += 2;
        }
      } else {
        value += text.charAt(i);
        i++;
      }
      rawOffsets.push(at);
    }
    rawOffsets.push(i);
    i++; // closing quote
    return { value, rawOffsets };
  };
  const readValue = (path: string): void => {
    ws();
    const c = text.charAt(i);
    if (c === '"') {
      out.set(path, { path, rawOffsets: readString().rawOffsets });
    } else if (c === '{') {
      i++;
      ws();
      if (text.charAt(i) === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = readString().value;
        ws();
        i++; // colon
        readValue(childPath(path, key));
        ws();
        if (text.charAt(i++) === '}') return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text.charAt(i) === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        readValue(childPath(path, n));
        ws();
        if (text.charAt(i++) === ']') return;
      }
    } else {
      const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
      if (m === null) throw new SyntaxError(`unexpected ${c} at ${i}`);
      i += m[0].length;
    }
  };
  readValue(root);
  return out;
}
