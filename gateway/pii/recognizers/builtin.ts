// The built-in recognizers, one per entity family, in the order the scanner runs them.
import type { PiiEntity, Recognizer } from '../types.ts';
import { apiKeyRecognizer } from './api-key.ts';
import { creditCardRecognizer } from './credit-card.ts';
import { emailRecognizer } from './email.ts';
import { ibanRecognizer } from './iban.ts';
import { ipAddressRecognizer } from './ip-address.ts';
import { passwordRecognizer } from './password.ts';
import { phoneRecognizer } from './phone.ts';
import { secretNearCueRecognizer } from './secret-near-cue.ts';
import { usSsnRecognizer } from './us-ssn.ts';

export const BUILTIN_RECOGNIZERS: readonly Recognizer[] = [
  emailRecognizer,
  apiKeyRecognizer,
  passwordRecognizer,
  creditCardRecognizer,
  usSsnRecognizer,
  ibanRecognizer,
  ipAddressRecognizer,
  phoneRecognizer,
  secretNearCueRecognizer,
];

/** Recognizers needed for a set of enabled entities. */
export function recognizersFor(entities: ReadonlySet<PiiEntity>, extra: readonly Recognizer[] = []): Recognizer[] {
  return [...BUILTIN_RECOGNIZERS, ...extra].filter((r) => r.entities.some((e) => entities.has(e)));
}
