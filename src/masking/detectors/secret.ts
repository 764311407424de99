// Secrets: JWTs, PEM private keys, the key shapes of common providers, bearer tokens, and
// high-entropy values after key=/token=/secret=/password= style labels.

import type { Detector, Span, TextStats } from '../spans.ts';

const SHAPES: readonly [string, string][] = [
  ['JWT', 'eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*'],
  ['PRIVATE_KEY', '-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)'],
  ['OPENAI', 'sk-(?:proj-|ant-|live-)?[A-Za-z0-9_-]{20,}'],
  ['GITHUB', '(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})'],
  ['AWS', '(?:AKIA|ASIA)[0-9A-Z]{16}'],
  ['SLACK', 'xox[abposr]-[A-Za-z0-9-]{10,}'],
  ['GOOGLE', 'AIza[0-9A-Za-z_-]{35}'],
  ['STRIPE', '[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}'],
  ['GITLAB', 'glpat-[A-Za-z0-9_-]{20,}'],
  ['NPM', 'npm_[A-Za-z0-9]{36}'],
  ['HUGGINGFACE', 'hf_[A-Za-z0-9]{30,}'],
  ['SENDGRID', 'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}'],
];
// `\b` rather than a lookbehind (V8 scans twice as fast); a '-' before the match is checked after.
const SHAPED = new RegExp(
  SHAPES.map(([, re]) => (/^[\w(]/.test(re) ? `\\b(${re})` : `(${re})`)).join('|'),
  'g',
);
const BEARER = /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/g;
const LABELLED =
  /\b(?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|secret|access[_-]?token|refresh[_-]?token|auth[_-]?token|token|password|passwd|pwd|private[_-]?key)["']?\s*[:=]\s*["']?([^\s"'&,;<>]{8,})/gi;

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export const secretDetector: Detector = {
  name: 'secret',
  types: ['SECRET'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.length < 16 || stats.letters < 6) return;
    SHAPED.lastIndex = 0;
    for (let m = SHAPED.exec(text); m !== null; m = SHAPED.exec(text)) {
      if (text.charCodeAt(m.index - 1) === 45) continue;
      const kind = SHAPES[m.slice(1).findIndex((g) => g !== undefined)]?.[0];
      out.push({
        start: m.index,
        end: m.index + m[0].length,
        type: 'SECRET',
        subtype: kind,
        detector: 'secret',
      });
    }
    if (stats.spaces > 0 && text.includes('Bearer')) {
      BEARER.lastIndex = 0;
      for (let m = BEARER.exec(text); m !== null; m = BEARER.exec(text)) {
        const value = m[1] as string;
        const start = m.index + m[0].length - value.length;
        out.push({ start, end: start + value.length, type: 'SECRET', subtype: 'BEARER', detector: 'secret' });
      }
    }
    if (stats.colons > 0 || text.includes('=')) {
      LABELLED.lastIndex = 0;
      for (let m = LABELLED.exec(text); m !== null; m = LABELLED.exec(text)) {
        const value = m[1] as string;
        const label = m[0].slice(0, m[0].length - value.length).toLowerCase();
        // A password is a secret however guessable; a token or key must look random.
        const isPassword = /pass|pwd/.test(label);
        if (!isPassword && (entropy(value) < 3 || !/\d/.test(value))) continue;
        const start = m.index + m[0].length - value.length;
        out.push({
          start,
          end: start + value.length,
          type: 'SECRET',
          subtype: 'LABELLED',
          detector: 'secret',
        });
      }
    }
  },
};
