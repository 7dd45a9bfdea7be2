// Keys passed positionally to an SDK client's constructor, with no cue word of their own:
// `Twilio::REST::Client.new("AC…", "17b6…")`, `new Client(accountSid, "…")`, `twilio("AC…", "…")`. A quoted argument
// shaped like a generated key (long, random, of hex or base64 letters) is the key; the account id beside it is not.
import type { Detection } from '../types.ts';
import { looksRandom } from '../text-utils.ts';

/** A constructor or factory of an API client (`TwilioClient`, `Client.new`, `twilio`), right before the '(' (tried at each '(' found with indexOf). */
const CLIENT_CALL = /(?:^|[^\w$])(?:[A-Z]\w*)?(?:Client|Twilio|Sdk|SDK|Api|API|Auth)(?:\.new|::new)?[ \t]*$|(?:^|[^\w$.])(?:client|twilio)[ \t]*$/;
const NAME_ENDS = 'tokKiIhw';
const QUOTED_ARG = /[ \t]*(["'])([^"'\n]{0,128})\1[ \t]*(?:,|(?=\)))|[ \t]*[^,()"'\n]{1,64},/y;
const MAX_ARGS = 4;
const KEY_LETTERS = /^[A-Za-z0-9+/_=-]{20,128}$/;
/** Account and service ids (Twilio's AC…/SK… SIDs are ids; their secret is the token): not the key. */
const ACCOUNT_ID = /^(?:AC|SK|MG|PN)[0-9a-f]{6,32}$/;

export function detectClientKeys(text: string, out: Detection[]): void {
  for (let open = text.indexOf('('); open !== -1; open = text.indexOf('(', open + 1)) {
    let last = open - 1;
    while (last > 0 && (text.charCodeAt(last) === 32 || text.charCodeAt(last) === 9)) last--;
    // (The names end in one of these letters: most brackets in prose and code are ruled out before any slicing.)
    if (!NAME_ENDS.includes(text[last] ?? '') || !CLIENT_CALL.test(text.slice(Math.max(0, open - 16), open))) continue;
    QUOTED_ARG.lastIndex = open + 1;
    for (let n = 0; n < MAX_ARGS; n++) {
      const m = QUOTED_ARG.exec(text);
      if (!m) break;
      const value = m[2];
      if (value === undefined || !KEY_LETTERS.test(value) || ACCOUNT_ID.test(value) || !looksRandom(value)) continue;
      const start = m.index + m[0].indexOf(value, m[0].indexOf(m[1]!) + 1);
      out.push({ entity: 'API_KEY', start, end: start + value.length, confidence: 0.8, detector: 'api_key.client_call' });
    }
  }
}
