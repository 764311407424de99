// `custos mask --findings` reports offsets into the input. The engine reports a finding by JSON
// path and offsets into the decoded string value; this maps those back onto the raw JSON text,
// escapes included, and on into JSON that was itself inside a string.

import { embeddedJsonStart, keySegment } from '../masking/engine.ts';

/** rawOffsets[i]: where decoded UTF-16 unit i of a string starts in the text; one extra for the end. */
export type RawOffsets = readonly number[];

/** Every string (values, and keys at `path~`) of a JSON text by path; throws on invalid JSON. */
export function locateStrings(text: string, root = '$'): Map<string, RawOffsets> {
  const out = new Map<string, RawOffsets>();
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text.charAt(i))) i++;
  };
  const readString = (): { value: string; offsets: number[] } => {
    const offsets: number[] = [];
    let value = '';
    i++;
    while (text.charAt(i) !== '"') {
      if (i >= text.length) throw new SyntaxError('unterminated string');
      offsets.push(i);
      if (text.charAt(i) === '\\') {
        const esc = text.charAt(i + 1);
        const len = esc === 'u' ? 6 : 2;
        value += JSON.parse(`"${text.slice(i, i + len)}"`) as string;
        i += len;
      } else value += text.charAt(i++);
    }
    offsets.push(i);
    i++;
    return { value, offsets };
  };
  const readValue = (path: string): void => {
    ws();
    const c = text.charAt(i);
    if (c === '"') out.set(path, readString().offsets);
    else if (c === '{') {
      i++;
      ws();
      if (text.charAt(i) === '}') i++;
      else
        for (;;) {
          ws();
          const key = readString();
          const child = path + keySegment(key.value);
          out.set(`${child}~`, key.offsets);
          ws();
          i++; // ':'
          readValue(child);
          ws();
          if (text.charAt(i++) === '}') break;
        }
    } else if (c === '[') {
      i++;
      ws();
      if (text.charAt(i) === ']') i++;
      else
        for (let n = 0; ; n++) {
          readValue(`${path}[${n}]`);
          ws();
          if (text.charAt(i++) === ']') break;
        }
    } else {
      const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
      if (!m) throw new SyntaxError(`unexpected '${c}' at ${i}`);
      i += m[0].length;
    }
  };
  readValue(root);
  return out;
}

/** Maps a finding (path, offsets into its string) to offsets in `text`; undefined if not found. */
export function rawSpan(
  text: string,
  path: string,
  start: number,
  end: number,
  located: Map<string, RawOffsets> = locateStrings(text),
): [number, number] | undefined {
  const direct = located.get(path);
  if (direct) {
    const s = direct[start];
    const e = direct[end];
    return s === undefined || e === undefined ? undefined : [s, e];
  }
  // A path into JSON inside a string: the longest located prefix is that string.
  let prefix = path;
  while (prefix.length > 1) {
    const cut = Math.max(prefix.lastIndexOf('.'), prefix.lastIndexOf('['));
    if (cut <= 0) return undefined;
    prefix = prefix.slice(0, cut);
    const outer = located.get(prefix);
    if (!outer) continue;
    const decoded = JSON.parse(
      text.slice((outer[0] as number) - 1, (outer[outer.length - 1] as number) + 1),
    ) as string;
    // The JSON is the whole string, or its end after some prose (embeddedJsonStart).
    let strings: Map<string, RawOffsets>;
    try {
      strings = locateStrings(decoded, prefix);
    } catch {
      const at = embeddedJsonStart(decoded);
      if (at <= 0) return undefined;
      const shifted = [...locateStrings(decoded.slice(at), prefix)].map(([p, o]): [string, RawOffsets] => [
        p,
        o.map((x) => x + at),
      ]);
      strings = new Map(shifted);
    }
    const inner = rawSpan(decoded, path, start, end, strings);
    if (!inner) return undefined;
    const s = outer[inner[0]];
    const e = outer[inner[1]];
    return s === undefined || e === undefined ? undefined : [s, e];
  }
  return undefined;
}
