// The scan loop of the regex-driven recognizers: every match of a global regex over the text, from its start.
import type { Detection, PiiEntity, Recognizer, ScanState } from '../types.ts';

export type OnMatch = (m: RegExpExecArray, text: string, scan: ScanState, out: Detection[]) => void;

/** Calls `onMatch` for each match of the global `re` in `text`; `onMatch` may move `re.lastIndex` on to skip text. */
export function eachMatch(re: RegExp, text: string, scan: ScanState, out: Detection[], onMatch: OnMatch): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) onMatch(m, text, scan, out);
}

/** A recognizer of one entity that judges each match of `re` (a candidate) and pushes what it accepts. */
export function matchRecognizer(name: string, entity: PiiEntity, re: RegExp, onMatch: OnMatch): Recognizer {
  return {
    name,
    entities: [entity],
    detect: (text, scan, out) => eachMatch(re, text, scan, out, onMatch),
  };
}
