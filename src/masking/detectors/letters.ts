// Letter classes for the default languages (Latin, Latin-1 and Latin Extended-A: å ä ö ß é ł ż …).
// Spelled out rather than \p{L}: with the `u` flag V8 runs these patterns 5–15× slower here, and
// the free-text detectors scan whole documents.

/** Any letter. */
export const LETTER = 'A-Za-zÀ-ÖØ-öø-ÿ\\u0100-\\u017f';
/** A capital (Latin Extended-A alternates cases, so it counts on both sides). */
export const UPPER = 'A-ZÀ-ÖØ-Þ\\u0100-\\u017f';
/** A small letter. */
export const LOWER = 'a-zß-öø-ÿ\\u0100-\\u017f';
