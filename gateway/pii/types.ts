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

/** Per-scan state shared by the recognizers of one `scanText` call. */
export interface ScanContext {
  /** Regions tried, in order, for national phone formats. */
  readonly phoneRegions: readonly string[];
  /** Name of the JSON field the text came from (tool arguments), a strong cue for passwords and secrets. */
  readonly fieldName?: string;
  /** Memo of libphonenumber verdicts within this scan (repeated numbers are validated once). */
  readonly phoneVerdicts: Map<string, boolean>;
  /** Cue-word hits shared by the password and secret recognizers (see recognizers/cues.ts). */
  cues?: { password: number[]; secret: number[] };
}

/**
 * A recognizer finds one entity family. It must run in time linear in `text.length` (bounded regex quantifiers,
 * no nested ambiguous repetition) and should return quickly when its trigger characters are absent.
 */
export interface Recognizer {
  readonly name: string;
  readonly entities: readonly PiiEntity[];
  detect(text: string, ctx: ScanContext, out: Detection[]): void;
}
