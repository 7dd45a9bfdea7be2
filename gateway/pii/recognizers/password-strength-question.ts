// A password someone asks about, with no cue word: "is Tigre!Blanco55 strong enough?", "how secure is Blue&Sky2024?".
// Only a secret-shaped value is taken (secret-near-cue.ts: not a word, name, number, version, URL or path). The
// questions are found from their fixed words ("enough", "how") by the shared cue scan and read around them with
// bounded, anchored regexes: a scan of the text for the whole pattern costs far more.
import type { Detection, ScanState } from '../types.ts';
import { isWordChar } from '../text-utils.ts';
import { cueHits } from './cues.ts';
import { secretShaped } from './secret-near-cue.ts';

const QUALITY = '(?:strong|secure|safe|good|long|random|complex|hard|unique|memorable|crackable|guessable)';
const QUOTED_OR_WORD = `(?:(["'“‘])([^\\s"'”’]{6,64})\\1|([^\\s"'“”‘’]{6,64}))`;
/** "is X strong enough", read back from "enough". */
const BEFORE_ENOUGH = new RegExp(`(?:^|[ \\t])(?:is|are|was|would|will|be)[ \\t]+${QUOTED_OR_WORD}[ \\t]+(?:(?:really|very|too|still)[ \\t]+)?${QUALITY}[ \\t]+$`, 'i');
/** "how secure is X", "how long would it take to crack X", read on from "how". */
const AFTER_HOW = new RegExp(`[ \\t]+(?:${QUALITY}|long[ \\t]+(?:would|will|does)[ \\t]+it[ \\t]+take[ \\t]+to[ \\t]+crack)[ \\t]+(?:is[ \\t]+)?${QUOTED_OR_WORD}(?=[ \\t]*[?.!,]|[ \\t]+(?:as|for|compared|vs)\\b)`, 'iy');
const WINDOW = 100;

function push(text: string, m: RegExpExecArray, offset: number, out: Detection[]): void {
  const value = m[2] ?? m[3];
  if (value === undefined || !secretShaped(value)) return;
  const start = offset + m.index + m[0].indexOf(value);
  out.push({ entity: 'PASSWORD', start, end: start + value.length, confidence: 0.7, detector: 'password.question' });
}

export function detectStrengthQuestions(text: string, scan: ScanState, out: Detection[]): void {
  const words = cueHits(text, scan).question;
  for (let h = 0; h < words.length; h += 2) {
    const at = words[h]!;
    if ((text.charCodeAt(at) | 32) === 101 /* e: enough */) {
      const from = Math.max(0, at - WINDOW);
      const m = BEFORE_ENOUGH.exec(text.slice(from, at));
      if (m) push(text, m, from, out);
    } else if (at === 0 || !isWordChar(text.charCodeAt(at - 1))) {
      AFTER_HOW.lastIndex = at + 3;
      const m = AFTER_HOW.exec(text);
      if (m) push(text, m, 0, out);
    }
  }
}
