// Bounds on the client strings that reach events, logs, metrics and error messages. Anything longer is refused
// with a 400 naming the field, before it can grow an event past Kafka's limit or a log line past reason.
import { Type } from '@sinclair/typebox';

export const LIMITS = {
  /** A model name (provider prefixes included); the longest real ones are under 100 characters. */
  modelChars: 256,
  /** The end-user id (`user`, Anthropic's `metadata.user_id`). */
  userChars: 256,
  /** Entries of a request's `metadata` object. */
  metadataKeys: 64,
} as const;

export const ModelName = Type.String({ minLength: 1, maxLength: LIMITS.modelChars });
export const EndUser = Type.String({ maxLength: LIMITS.userChars });
export const Metadata = Type.Object({}, { additionalProperties: true, maxProperties: LIMITS.metadataKeys });
