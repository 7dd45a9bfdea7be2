// IP_ADDRESS: IPv4 dotted quads and IPv6 (full, compressed `::`, IPv4-embedded, zone ids), validated with
// node:net isIP. Version strings look like IPv4 (1.2.3.4), so a version/section cue or a product name
// (`Chrome/120.0.0.0`) right before one drops it, and so do netmasks (255.…).
// Both scans are anchored on cheap patterns (a `d.d.d.d` core, a ':'), then expanded by hand within bounds.
import { isIP } from 'node:net';
import type { Detection, Recognizer, ScanState } from '../types.ts';
import { isAlnum, isDigit, isWordChar, lineBefore } from '../text-utils.ts';

// The fixed core of a dotted quad; its literal dots let the regex engine skip ahead quickly.
const V4_CORE = /\d\.\d{1,3}\.\d{1,3}\.\d/g;
const V4_FULL = /(?:\d{1,3}\.){3}\d{1,3}/y;
const VERSION_CUE =
  /(?:(?<![-/])\bv|version|\bver\.?|release|build|firmware|assembly|patch|update|upgrade|section|chapter|\boid|§|clause|step|figure|fig\.|table|rule|paragraph|absatz|artikel|art\.)\s*:?\s*$/;

const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

function detectV4(text: string, out: Detection[]): void {
  V4_CORE.lastIndex = 0;
  for (let m = V4_CORE.exec(text); m; m = V4_CORE.exec(text)) {
    let s = m.index;
    while (s > 0 && m.index - s < 2 && isDigit(text.charCodeAt(s - 1))) s--;
    V4_FULL.lastIndex = s;
    const full = V4_FULL.exec(text);
    // Skip the rest of this dotted run either way: "1.2.3.4.5" must not yield "2.3.4.5".
    let runEnd = s;
    while (runEnd < text.length && (isDigit(text.charCodeAt(runEnd)) || text.charCodeAt(runEnd) === 46)) runEnd++;
    V4_CORE.lastIndex = runEnd;
    if (!full) continue;
    const end = s + full[0].length;
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    if (isWordChar(before) || before === 46 || before === 45) continue;
    // `Chrome/120.0.0.0` is a product version; `http://1.2.3.4` is an address.
    if (before === 47 && s > 1 && isAlnum(text.charCodeAt(s - 2))) continue;
    // 255.255.255.0 and 255.255.255.255 are masks and broadcast, not a host.
    if (full[0].startsWith('255.')) continue;
    if (end < text.length && (isWordChar(text.charCodeAt(end)) || (text.charCodeAt(end) === 46 && isDigit(text.charCodeAt(end + 1))))) continue;
    if (isIP(full[0]) !== 4) continue;
    if (VERSION_CUE.test(lineBefore(text, s, 24))) continue;
    out.push({ entity: 'IP_ADDRESS', start: s, end, confidence: 0.9, detector: 'ip.v4' });
  }
}

function detectV6(text: string, out: Detection[]): void {
  let next = 0;
  for (let c = text.indexOf(':'); c !== -1; c = text.indexOf(':', next)) {
    let s = c;
    while (s > 0 && c - s < 40 && (isHex(text.charCodeAt(s - 1)) || text.charCodeAt(s - 1) === 58)) s--;
    let e = c;
    while (e < text.length && e - s < 46 && (isHex(text.charCodeAt(e)) || text.charCodeAt(e) === 58 || text.charCodeAt(e) === 46)) e++;
    next = Math.max(e, c + 1);
    while (e > c && text.charCodeAt(e - 1) === 46) e--; // a sentence's full stop
    let zoneEnd = e;
    if (text.charCodeAt(e) === 37 /* % */) {
      zoneEnd = e + 1;
      while (zoneEnd < text.length && zoneEnd - e <= 15 && isAlnum(text.charCodeAt(zoneEnd))) zoneEnd++;
    }
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    if (isWordChar(before) || before === 46) continue;
    if (zoneEnd < text.length && isWordChar(text.charCodeAt(zoneEnd))) continue;
    const raw = text.slice(s, e);
    if (!isPlausibleV6(raw) || isIP(raw) !== 6) continue;
    out.push({ entity: 'IP_ADDRESS', start: s, end: zoneEnd, confidence: 0.9, detector: 'ip.v6' });
  }
}

/** `::`, `::1` and `a::b` are valid IPv6 but, in text, far more often C++/Rust paths or loopback shorthand. */
function isPlausibleV6(raw: string): boolean {
  let colons = 0;
  let groups = 0;
  let hex = 0;
  let inGroup = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 58) colons++;
    if (isAlnum(c)) {
      hex++;
      if (!inGroup) groups++;
      inGroup = true;
    } else inGroup = false;
  }
  return colons >= 2 && groups >= 2 && hex >= 4;
}

export const ipAddressRecognizer: Recognizer = {
  name: 'ip_address',
  entities: ['IP_ADDRESS'],
  detect(text: string, _scan: ScanState, out: Detection[]): void {
    if (text.indexOf('.') !== -1) detectV4(text, out);
    if (text.indexOf(':') !== -1) detectV6(text, out);
  },
};
