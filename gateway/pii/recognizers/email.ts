// EMAIL_ADDRESS: anchored on '@' (found with indexOf, so text without '@' costs one memchr), local part read
// backwards with a hard length cap, domain read forwards with a sticky, bounded regex. Linear in input size.
import type { Detection, Recognizer, ScanState } from '../types.ts';

const MAX_LOCAL = 64;
// Labels of 1..63 chars, at most 10 of them, then an alphabetic TLD. Each label ends at '.', which no class in
// the repetition contains, so the engine never has two ways to split the domain. Internationalized domains
// (ñandú.com.ar, kraków-design.pl, почта.рф, παράδειγμα.ελ) have Latin, Greek and Cyrillic letters; a label of CJK letters
// counts before a '.' (日本語.jp), and as the TLD (例子.中国) only where a space or punctuation ends it, since text in those
// scripts runs on right after an address without a space.
const DOMAIN =
  /(?:(?:[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff](?:[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff-]{0,61}[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff])?|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{1,63})\.){1,10}([A-Za-z]{2,24}|[\u0370-\u03ff\u0400-\u04ff]{2,24}|[\u3400-\u9fff]{1,6}(?=[\s.,;:!?)\]'"]|$))(?![A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff-]|\.[A-Za-z0-9])/y;
// File names like `logo@2x.png` have the '@' shape but a file-extension "TLD".
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'pdf', 'js', 'mjs', 'ts', 'tsx', 'jsx', 'css', 'scss', 'html', 'json', 'yaml', 'yml', 'txt', 'lock', 'tgz', 'gz']);

/** `ssh deploy@bastion.corp`, `ssh -i key -p 2222 ops@host`: a login on a host, right after the command and its flags. */
const SSH_TARGET = /(?:^|[\s"'`(])(?:ssh|autossh|mosh|sftp|ssh-copy-id)(?:[ \t]+-{1,2}[\w-]+(?:[ \t]+[^\s@-]\S*)?)*[ \t]+$/;

function isLocalChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
    c === 46 /* . */ || c === 95 /* _ */ || c === 45 /* - */ || c === 43 /* + */ || c === 37 /* % */ || c === 39 /* ' */ ||
    // Accented and non-Latin letters (josé@…, internationalized addresses): a partial match would leave them visible.
    (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000)
  );
}

const isCjk = (c: number): boolean => (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);
const MAX_CJK_LOCAL = 10;

/**
 * Start of a local part in a script written without spaces (`李雷@café-lumière.fr`), or `at`: a short run of such
 * letters standing alone (after a space, punctuation or the start), since in running text of that script the words
 * before an address run on into it.
 */
function cjkLocalStart(text: string, at: number): number {
  let start = at;
  while (start > 0 && at - start <= MAX_CJK_LOCAL && isCjk(text.charCodeAt(start - 1))) start--;
  if (start === at || at - start > MAX_CJK_LOCAL) return at;
  const before = start > 0 ? text.charCodeAt(start - 1) : 32;
  const standsAlone = before <= 32 || (before < 0x80 && !isLocalChar(before)) || (before >= 0x3000 && before <= 0x303f) || (before >= 0xff01 && before <= 0xff1f);
  return standsAlone ? start : at;
}

export const emailRecognizer: Recognizer = {
  name: 'email',
  entities: ['EMAIL_ADDRESS'],
  detect(text: string, _scan: ScanState, out: Detection[]): void {
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      let start = at;
      while (start > 0 && at - start <= MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
      if (at - start > MAX_LOCAL) continue; // part of a longer token: not an address
      while (start < at && (text.charCodeAt(start) === 46 || text.charCodeAt(start) === 39)) start++; // no leading '.'/'\''
      if (start === at) start = cjkLocalStart(text, at);
      if (start === at || text.charCodeAt(at - 1) === 46) continue;
      // `scheme://user:pass@host` and `https://git@host` are URL credentials, not addresses.
      const before = start > 0 ? text.charCodeAt(start - 1) : 0;
      if (before === 47 /* / */) continue;
      DOMAIN.lastIndex = at + 1;
      const m = DOMAIN.exec(text);
      if (!m || isUrlUserinfo(text, start)) continue; // the domain first: it rejects `lodash@4.17.21` cheaply
      const end = DOMAIN.lastIndex;
      const tld = (m[1] ?? '').toLowerCase();
      const isFileName = FILE_EXTENSIONS.has(tld);
      // `git@github.com:org/repo.git` is an SSH remote.
      const isGitRemote = text.charCodeAt(end) === 58 && text.slice(start, at) === 'git';
      if (isGitRemote || SSH_TARGET.test(text.slice(Math.max(0, start - 80), start))) continue;
      out.push({ entity: 'EMAIL_ADDRESS', start, end, confidence: isFileName ? 0.3 : 0.95, detector: 'email' });
      at = end - 1;
    }
  },
};

/**
 * Whether `start` lies in the userinfo of a URL (`scheme://user:pass@host`: `://` earlier in the same token, with
 * no path, query or fragment in between — `https://host/invite?email=a@b.com` holds an address).
 */
function isUrlUserinfo(text: string, start: number): boolean {
  const window = text.slice(Math.max(0, start - 160), start); // bounded: keeps the scan linear
  const scheme = window.lastIndexOf('://');
  if (scheme === -1) return false;
  for (let i = scheme + 3; i < window.length; i++) {
    const c = window.charCodeAt(i);
    // (A quote, comma or angle bracket ends the URL: `"https://forum.de","kim@…"` is a CSV row.)
    if (c <= 32 || c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */ || c === 34 || c === 44 || c === 96 || c === 60 || c === 62) return false;
  }
  return true;
}
