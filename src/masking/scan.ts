// One string through the compiled detectors: count once, run what the counts allow, settle overlaps.

import type { CompiledProfile } from './compile.ts';
import { countText, resolveSpans, type Span } from './spans.ts';

export function findSpans(profile: CompiledProfile, text: string): Span[] {
  if (text.length < 4) return [];
  const stats = countText(text);
  const out: Span[] = [];
  for (const detector of profile.detectors) detector.detect(text, stats, out);
  if (out.length === 0) return out;
  const enabled = out.every((s) => profile.enabled.has(s.type))
    ? out
    : out.filter((s) => profile.enabled.has(s.type));
  return resolveSpans(enabled);
}
