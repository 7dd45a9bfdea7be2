// DENYLIST: configured terms that are always flagged (internal code names, customer names …), matched
// case-insensitively on word boundaries. Compiled once per policy into one alternation of escaped literals.
import { foldForMatching } from '../normalize.ts';
import type { Detection } from '../types.ts';
import { isWordChar } from '../text-utils.ts';

export interface DenylistMatcher {
  detect(text: string, out: Detection[]): void;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileDenylist(terms: readonly string[]): DenylistMatcher | undefined {
  // Folded like the text they are matched against (normalize.ts): a fullwidth term still matches.
  const needles = [...new Set(terms.map((t) => foldForMatching(t).trim()).filter((t) => t.length > 0))];
  if (needles.length === 0) return undefined;
  // Longest first so "acme corp" wins over "acme" at the same position. Literal alternation: linear time.
  needles.sort((a, b) => b.length - a.length);
  const re = new RegExp(needles.map(escapeRegExp).join('|'), 'gi');
  return {
    detect(text: string, out: Detection[]): void {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const start = m.index;
        const end = start + m[0].length;
        const leftOk = start === 0 || !isWordChar(text.charCodeAt(start - 1)) || !isWordChar(m[0].charCodeAt(0));
        const rightOk = end >= text.length || !isWordChar(text.charCodeAt(end)) || !isWordChar(m[0].charCodeAt(m[0].length - 1));
        if (leftOk && rightOk) out.push({ entity: 'DENYLIST', start, end, confidence: 1, detector: 'denylist' });
        else re.lastIndex = start + 1;
      }
    },
  };
}
