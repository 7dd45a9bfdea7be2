// Shared types of the PII engine. Offsets are UTF-16 code unit indexes into the scanned string (JS string indexes).
import type { FindingEntity, PiiAction, PiiEntity } from '../../schemas/config/pii.ts';

export type { FindingEntity, PiiAction, PiiEntity };

/** One detected value in one string. `end` is exclusive. */
export interface Detection {
  entity: FindingEntity;
  start: number;
  end: number;
  /** 0..1: how sure the recognizer is (validated checksums score high, context-only guesses lower). */
  confidence: number;
  /** Which rule found it, e.g. `email`, `credit_card.luhn`, `api_key.openai` — safe to log, never a value. */
  detector: string;
}

/** Where a finding was: the field, and the span within that string field (original offsets, before replacement). */
export interface FindingLocation {
  /** Where in the body, e.g. `messages[2].content`, `messages[1].tool_calls[0].function.arguments#/to`. */
  path: string;
  messageIndex?: number;
  role?: string;
  /** UTF-16 offset and length of the value within that string field (before replacement). */
  offset: number;
  length: number;
  /** The value was in an object key: `path` names that member by its rewritten key (never the value). */
  inKey?: boolean;
}

/** One detection as reported to events/logs: where, what, how sure, what was done — never the value. */
export interface Finding {
  entity: FindingEntity;
  action: PiiAction;
  detector: string;
  confidence: number;
  location: FindingLocation;
  /** HMAC-SHA256(secret, normalized value), hex, 32 chars. */
  fingerprint: string;
}

/** Per-scan state shared by the recognizers of one `scanText` call. */
export interface ScanState {
  /** Regions tried, in order, for national phone formats. */
  readonly phoneRegions: readonly string[];
  /** Name of the JSON field the text came from (tool arguments), a strong cue for passwords and secrets. */
  readonly fieldName?: string;
  /** Memo of libphonenumber verdicts within this scan (repeated numbers are validated once). */
  readonly phoneVerdicts: Map<string, boolean>;
  /** Cue-word hits shared by the password and secret recognizers (see recognizers/cues.ts). */
  cues?: { password: number[]; secret: number[]; pair: number[]; command: number[]; iban: number[]; weak: number[]; question: number[]; webhook: number[] };
}

/**
 * A recognizer finds one entity family. It must run in time linear in `text.length` (bounded regex quantifiers,
 * no nested ambiguous repetition) and should return quickly when its trigger characters are absent.
 */
export interface Recognizer {
  readonly name: string;
  readonly entities: readonly PiiEntity[];
  detect(text: string, scan: ScanState, out: Detection[]): void;
}
