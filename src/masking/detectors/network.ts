// IPv4 and IPv6 addresses (validated by node:net) and MAC addresses (six colon- or dash-separated
// octets, or Cisco's three dotted groups).

import { isIPv4, isIPv6 } from 'node:net';
import type { Detector, Span, TextStats } from '../spans.ts';

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6 =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%\w+)?(?![\w:])/g;
// Tried only where a separator is, so prose full of a–f letters costs an indexOf, not a scan.
const MAC_AT =
  /[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}/y;
const isMacNeighbour = (c: number): boolean =>
  (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;

// Addresses that name no one: unspecified, loopback, broadcast.
const NOBODY = /^(?:0\.0\.0\.0|127\.\d+\.\d+\.\d+|255\.255\.255\.255)$/;
// "version 5.3.5.81", "v1.2.3.4": four numbers after a version word are not an address.
const VERSION_BEFORE = /(?:version|ver\.?|v|release|build|firmware|fw)\s*$/i;

export const ipDetector: Detector = {
  name: 'ip-address',
  types: ['IP_ADDRESS'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.dots >= 3 && stats.digits >= 4) {
      IPV4.lastIndex = 0;
      for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text))
        if (
          isIPv4(m[0]) &&
          !NOBODY.test(m[0]) &&
          !VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))
        )
          out.push({
            start: m.index,
            end: m.index + m[0].length,
            type: 'IP_ADDRESS',
            subtype: 'IPV4',
            detector: 'ip-address',
          });
    }
    if (stats.colons >= 2) {
      IPV6.lastIndex = 0;
      for (let m = IPV6.exec(text); m !== null; m = IPV6.exec(text)) {
        const candidate = m[0];
        // "12:30:45" is a time of day, not "12:30:45::"; real IPv6 has hex groups or "::".
        if (
          candidate.length >= 3 &&
          candidate !== '::' &&
          candidate !== '::1' &&
          isIPv6(candidate.replace(/%\w+$/, '')) &&
          /::|[a-fA-F]|(?:[^:]*:){7}/.test(candidate)
        )
          out.push({
            start: m.index,
            end: m.index + candidate.length,
            type: 'IP_ADDRESS',
            subtype: 'IPV6',
            detector: 'ip-address',
          });
      }
    }
  },
};

function findMacs(text: string, separator: string, back: number, out: Span[]): void {
  for (let i = text.indexOf(separator); i !== -1; ) {
    const start = i - back;
    MAC_AT.lastIndex = start;
    const m = start >= 0 ? MAC_AT.exec(text) : null;
    if (
      m &&
      !isMacNeighbour(text.charCodeAt(start - 1)) &&
      !isMacNeighbour(text.charCodeAt(start + m[0].length))
    ) {
      out.push({
        start,
        end: start + m[0].length,
        type: 'MAC_ADDRESS',
        subtype: undefined,
        detector: 'mac-address',
      });
      i = text.indexOf(separator, start + m[0].length);
    } else i = text.indexOf(separator, i + 1);
  }
}

export const macDetector: Detector = {
  name: 'mac-address',
  types: ['MAC_ADDRESS'],
  detect(text: string, stats: TextStats, out: Span[]): void {
    if (stats.length < 14) return;
    if (stats.colons >= 5) findMacs(text, ':', 2, out);
    if (stats.dashes >= 5) findMacs(text, '-', 2, out);
    if (stats.dots >= 2 && stats.digits >= 3) findMacs(text, '.', 4, out);
  },
};
