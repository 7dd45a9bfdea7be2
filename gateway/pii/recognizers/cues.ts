// One shared pass for the cue words of the PASSWORD and API_KEY recognizers. A single case-insensitive
// alternation over the text is ~2x cheaper than one pass per recognizer; the hits are computed once per scanned
// string (lazily, by whichever recognizer asks first) and kept on the scan context.
import type { ScanState } from '../types.ts';

const CUES = /p(?:ass|wd?)|key|secret|token|bearer|credential|auth|kennwort|contrase[ñn]a|senha|wachtwoord|has[łl]o|lösenord|salasana|heslo/gi;

export interface CueHits {
  /** [start, end) pairs of password cue words (`pass…`, `pwd`, `pw`, `Passwort`, `contraseña` …), in text order. */
  password: number[];
  /** [start, end) pairs of secret cue words (`key`, `secret`, `token`, `bearer`, `credential`, `auth`). */
  secret: number[];
}

export function cueHits(text: string, scan: ScanState): CueHits {
  if (scan.cues) return scan.cues;
  const hits: CueHits = { password: [], secret: [] };
  CUES.lastIndex = 0;
  for (let m = CUES.exec(text); m; m = CUES.exec(text)) {
    const c = (m[0].charCodeAt(0) | 32) === 112 /* p */ ? 'p' : m[0].toLowerCase();
    const list = c === 'p' || c.startsWith('kenn') || c.startsWith('contra') || c === 'senha' || c === 'wachtwoord' || c.startsWith('has') || c === 'lösenord' || c === 'salasana' || c === 'heslo' ? hits.password : hits.secret;
    list.push(m.index, m.index + m[0].length);
  }
  scan.cues = hits;
  return hits;
}

/**
 * Calls `onCue` for each cue word of `kind`, in text order, skipping cues inside what an earlier call took: `onCue`
 * returns where that ends (its value, or the identifier around the cue), or undefined when it took nothing.
 */
export function eachCue(text: string, scan: ScanState, kind: keyof CueHits, onCue: (cueStart: number, cueEnd: number) => number | undefined): void {
  const hits = cueHits(text, scan)[kind];
  let consumed = 0;
  for (let h = 0; h < hits.length; h += 2) {
    const cueStart = hits[h]!;
    if (cueStart < consumed) continue;
    const end = onCue(cueStart, hits[h + 1]!);
    if (end !== undefined) consumed = end;
  }
}
