// A PII incident: one per detected value, emitted by the gateway's PII stage. Never carries the value itself —
// only where it was, what was done, and a keyed HMAC fingerprint so repeat leaks of one secret can be correlated.
import { Type, type Static } from '@sinclair/typebox';
import { col, eventHead, f64, lc, routing, str, typeTag, u32 } from '../columns.ts';

export const PiiEvent = Type.Object({
  ...eventHead(typeTag('pii')),
  ...routing,
  endpoint: lc(),
  /** `request` (what the client sent) or `response` (what the model produced, when output scanning is on). */
  direction: lc(),
  entity: lc(),
  action: lc(),
  detector: lc(),
  confidence: f64(),
  /** Where in the body, e.g. messages[2].content or messages[1].tool_calls[0].function.arguments#/password. */
  path: str(),
  message_index: col(Type.Integer(), 'Int32'),
  role: lc(),
  offset: u32(),
  length: u32(),
  fingerprint: str(),
});

export type PiiEvent = Static<typeof PiiEvent>;
