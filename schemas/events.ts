// The event contracts: one TypeBox definition per event gives the TypeScript type, the runtime validator and
// the ClickHouse column type (the `ch` annotation). Migrations are checked against these by a test.
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TopicId } from './topics.ts';
import { bool, col, eventHead, f64, lc, routing, str, typeTag, u32 } from './columns.ts';
import { PiiEvent } from './events/pii.ts';
import { CacheEvent } from './events/cache.ts';
import { AuditEvent } from './events/audit.ts';
import { BudgetAlert, LedgerEntry } from './events/ledger.ts';
import { AnomalyEvent, WebhookDeliveryEvent } from './events/anomaly.ts';
import { attribution } from './events/attribution.ts';

export const RequestEvent = Type.Object({
  ...eventHead(typeTag('request')),
  ...routing,
  endpoint: lc(),
  stream: bool(),
  message_count: u32(),
  prompt_chars: u32(),
  /** Only filled when prompt logging is enabled in config (off by default). */
  prompt: str(),
  ...attribution,
});

export const Attempt = Type.Object({
  provider: Type.String(),
  deployment: Type.String(),
  status: Type.Integer(),
  latency_ms: Type.Number(),
  error: Type.Optional(Type.String()),
});

export const ResponseEvent = Type.Object({
  ...eventHead(typeTag('response', 'error')),
  ...routing,
  endpoint: lc(),
  stream: bool(),
  status: lc(),
  http_status: col(Type.Integer(), 'UInt16'),
  error_type: lc(),
  error_message: str(),
  finish_reason: lc(),
  prompt_tokens: u32(),
  completion_tokens: u32(),
  total_tokens: u32(),
  gateway_overhead_ms: f64(),
  upstream_ttfb_ms: f64(),
  upstream_ms: f64(),
  total_ms: f64(),
  attempts: col(Type.Array(Attempt), 'String'),
  cache: lc(),
  /**
   * Prompt-cache reads, billed at the cached-input price, and the model the client asked for when the optimizer
   * swapped it ('' otherwise). Optional, so events from producers that predate them stay valid; ClickHouse fills
   * the column defaults (0, '').
   */
  cached_tokens: Type.Optional(u32()),
  model_swapped_from: Type.Optional(lc()),
  ...attribution,
});

export type RequestEvent = Static<typeof RequestEvent>;
export type ResponseEvent = Static<typeof ResponseEvent>;
export type Attempt = Static<typeof Attempt>;

/** Every event type: its schema, the topic it travels on and the ClickHouse table the sink writes it to. */
export const EVENT_TYPES = {
  request: { schema: RequestEvent, topic: 'requests', table: 'requests' },
  response: { schema: ResponseEvent, topic: 'responses', table: 'responses' },
  error: { schema: ResponseEvent, topic: 'responses', table: 'responses' },
  audit: { schema: AuditEvent, topic: 'audit', table: 'audit_events' },
  pii: { schema: PiiEvent, topic: 'pii', table: 'pii_incidents' },
  ledger: { schema: LedgerEntry, topic: 'ledger', table: 'ledger_entries' },
  budget_alert: { schema: BudgetAlert, topic: 'budgetAlerts', table: 'budget_alerts' },
  cache: { schema: CacheEvent, topic: 'cache', table: 'cache_events' },
  anomaly: { schema: AnomalyEvent, topic: 'anomalies', table: 'anomalies' },
  webhook_delivery: { schema: WebhookDeliveryEvent, topic: 'webhookDeliveries', table: 'webhook_deliveries' },
} as const satisfies Record<string, { schema: TObject; topic: TopicId; table: string }>;

export type EventType = keyof typeof EVENT_TYPES;
export type HelixEvent = RequestEvent | ResponseEvent | AuditEvent | PiiEvent | CacheEvent | LedgerEntry | BudgetAlert | AnomalyEvent | WebhookDeliveryEvent;

/** ClickHouse columns of a table, derived from the event schema (name → type). */
export function columnsOf(schema: TObject): Array<{ name: string; type: string }> {
  return Object.entries(schema.properties).map(([name, prop]) => ({ name, type: (prop as { ch?: string }).ch ?? 'String' }));
}

/** Topics the ClickHouse sink reads: every topic some event type travels on. */
export const SUNK_TOPICS: TopicId[] = [...new Set(Object.values(EVENT_TYPES).map((d) => d.topic))];

const validators = new Map(Object.entries(EVENT_TYPES).map(([t, d]) => [t, TypeCompiler.Compile(d.schema)]));

/** Validates an event of any known type; returns a reason when it is not valid. */
export function validateEvent(value: unknown): { ok: true; event: HelixEvent; type: EventType } | { ok: false; reason: string } {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !(type in EVENT_TYPES)) return { ok: false, reason: `unknown event type ${JSON.stringify(type)}` };
  const check = validators.get(type)!;
  if (check.Check(value)) return { ok: true, event: value as HelixEvent, type: type as EventType };
  const first = check.Errors(value).First();
  return { ok: false, reason: first ? `${first.path}: ${first.message}` : 'invalid event' };
}
