// Globs for server names, methods and tool/prompt/resource names, compiled once at boot.
//
// `*` matches any run of characters, `/` included, and `?` exactly one: a deny on
// `crm://customers/*` must also cover `crm://customers/42/orders`, so there is no
// path-segment-aware `*` to misread. `\` escapes the next character. `**`, `[`, `]`, `{` and `}`
// are refused rather than given a meaning people might guess differently (brace or class syntax).

export interface GlobSet {
  /** The patterns as written, for messages. */
  readonly patterns: readonly string[];
  /** True when one pattern is `*`: everything matches. */
  readonly any: boolean;
  /** Patterns without wildcards, looked up in O(1). */
  readonly literals: ReadonlySet<string>;
  test(value: string): boolean;
}

/** Throws an Error whose message says what is wrong with the pattern. */
export function compileGlob(pattern: string): { literal: string } | { regex: RegExp } {
  if (pattern.length === 0) throw new Error('empty pattern');
  if (pattern.trim() !== pattern) throw new Error(`'${pattern}' has leading or trailing spaces`);
  let re = '';
  let literal = '';
  let wild = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new Error(`'${pattern}' ends with a lone '\\'`);
      re += escapeRegex(next);
      literal += next;
      i++;
    } else if (c === '*') {
      if (pattern[i + 1] === '*')
        throw new Error(`'${pattern}': '**' is not supported ('*' already matches '/')`);
      re += '.*';
      wild = true;
    } else if (c === '?') {
      re += '.';
      wild = true;
    } else if (c === '[' || c === ']' || c === '{' || c === '}') {
      throw new Error(`'${pattern}': '${c}' is reserved (escape it as '\\${c}')`);
    } else {
      re += escapeRegex(c);
      literal += c;
    }
  }
  // `s` flag: names and URIs may contain newlines in principle; `.` must cover them too.
  return wild ? { regex: new RegExp(`^${re}$`, 's') } : { literal };
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? `\\${c}` : c;
}

/** Compiles a list of patterns; `errors` receives `[index, message]` for each bad one. */
export function compileGlobSet(
  patterns: readonly string[],
  onError: (index: number, msg: string) => void,
): GlobSet {
  const literals = new Set<string>();
  const regexes: RegExp[] = [];
  const prefixes: string[] = [];
  let any = false;
  patterns.forEach((p, i) => {
    try {
      const g = compileGlob(p);
      if ('literal' in g) literals.add(g.literal);
      else if (p === '*') any = true;
      else if (/^[^*?\\]+\*$/.test(p)) prefixes.push(p.slice(0, -1));
      else regexes.push(g.regex);
    } catch (err) {
      onError(i, (err as Error).message);
    }
  });
  const test = any
    ? () => true
    : (value: string): boolean => {
        if (literals.has(value)) return true;
        for (const p of prefixes) if (value.startsWith(p)) return true;
        for (const r of regexes) if (r.test(value)) return true;
        return false;
      };
  return { patterns: [...patterns], any, literals, test };
}

/** Whether every pattern is a plain name (so the rule index can file the rule under each). */
export function isLiteralSet(set: GlobSet): boolean {
  return !set.any && set.literals.size === set.patterns.length;
}
