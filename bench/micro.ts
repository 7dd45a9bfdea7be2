// Per-call costs behind choices made on the request path, each next to the plain alternative it replaced, measured
// in the same run: `npx tsx bench/micro.ts`. The code says why a shape was chosen; the figures live here. Times are
// this process's CPU time, not wall-clock time: on a shared machine the latter counts other processes' turns too.
import { EventEmitter } from 'node:events';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { calcPrice } from '@pydantic/genai-prices';
import { Partitioners } from 'kafkajs';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { Counter, Histogram, Registry } from 'prom-client';
import { PriceBook } from '../core/prices.ts';
import { cachedDefaultPartitioner } from '../lib/event-bus.ts';
import { CounterCells, HistogramCells } from '../gateway/metric-cells.ts';
import { cachedPhoneVerdict } from '../gateway/pii/recognizers/phone-verdicts.ts';
import { clientGoneSignal } from '../gateway/pipeline/abort.ts';
import { newEvent, type Envelope } from '../core/events/envelope.ts';
import type { ResponseEvent } from '../schemas/events.ts';

const ROUNDS = 5;

/** Median over ROUNDS of the CPU time per call, in ns, after one warm-up round. */
function nsPerCall(fn: (i: number) => unknown, calls: number): number {
  let sink = 0;
  const round = () => {
    const started = process.cpuUsage();
    for (let i = 0; i < calls; i++) if (fn(i)) sink++;
    const used = process.cpuUsage(started);
    return ((used.user + used.system) * 1000) / calls;
  };
  round();
  const times = Array.from({ length: ROUNDS }, round).sort((a, b) => a - b);
  if (sink < 0) console.log(sink);
  return times[Math.floor(ROUNDS / 2)]!;
}

const rows: Array<{ what: string; chosen: number; plain: number; plainName: string }> = [];
function compare(what: string, chosen: (i: number) => unknown, plainName: string, plain: (i: number) => unknown, calls: number): void {
  rows.push({ what, chosen: nsPerCall(chosen, calls), plain: nsPerCall(plain, calls), plainName });
}

// Prices: the price database's lookup on every request vs. the PriceBook's resolved per-model rates.
const book = new PriceBook([{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini' } }]);
const usage = { prompt_tokens: 1200, completion_tokens: 300 };
compare('price of one usage (PriceBook)', () => book.costOfModel('gpt-4o-mini', usage), 'calcPrice per call', () => calcPrice({ input_tokens: 1200, output_tokens: 300 }, 'gpt-4o-mini', { providerId: 'openai' }), 2_000);

// Metrics: six updates per proxied request, through metric cells vs. prom-client's own labelled metrics.
const cellsRegistry = new Registry();
const cellCounter = new CounterCells({ name: 'c_total', help: 'c', labelNames: ['model', 'provider', 'status'], registry: cellsRegistry });
const cellHistogram = new HistogramCells({ name: 'h_seconds', help: 'h', labelNames: ['model', 'provider', 'status'], buckets: [0.01, 0.1, 1], registry: cellsRegistry });
const promRegistry = new Registry();
const promCounter = new Counter({ name: 'c_total', help: 'c', labelNames: ['model', 'provider', 'status'], registers: [promRegistry] });
const promHistogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['model', 'provider', 'status'], buckets: [0.01, 0.1, 1], registers: [promRegistry] });
compare(
  'six metric updates (metric cells)',
  (i) => {
    for (let k = 0; k < 3; k++) cellCounter.labels('gpt-4o-mini', 'openai', 'ok').inc();
    for (let k = 0; k < 3; k++) cellHistogram.labels('gpt-4o-mini', 'openai', 'ok').observe((i % 100) / 100);
  },
  'prom-client .labels()',
  (i) => {
    for (let k = 0; k < 3; k++) promCounter.labels('gpt-4o-mini', 'openai', 'ok').inc();
    for (let k = 0; k < 3; k++) promHistogram.labels('gpt-4o-mini', 'openai', 'ok').observe((i % 100) / 100);
  },
  50_000,
);

// PII: a phone number seen again (chat clients resend the conversation) vs. validating it with libphonenumber.
const phones = Array.from({ length: 64 }, (_, i) => `+1415555${String(1000 + i)}`);
const validate = (n: string) => parsePhoneNumberFromString(n, 'US')?.isValid() ?? false;
compare('phone verdict, repeated number (memo)', (i) => cachedPhoneVerdict(phones[i % 64]!, 'US', () => validate(phones[i % 64]!)), 'libphonenumber per call', (i) => validate(phones[i % 64]!), 20_000);
const keyed = createHash('sha256').update(randomBytes(32));
const secret = randomBytes(32);
compare('memo key (copy of a keyed SHA-256)', (i) => keyed.copy().update(phones[i % 64]!).digest('base64'), 'createHmac', (i) => createHmac('sha256', secret).update(phones[i % 64]!).digest('base64'), 50_000);

// Upstream calls: the signal handed to undici, an EventEmitter with `aborted` vs. an AbortController.
compare(
  'call signal (EventEmitter)',
  () => {
    const e = new EventEmitter() as EventEmitter & { aborted?: boolean };
    e.aborted = false;
    return e;
  },
  'AbortController + signal',
  () => new AbortController().signal,
  200_000,
);

// The client's signal, one per request, with the upstream call's listener on it and off again: AbortSignal-shaped vs.
// an AbortController's signal.
const listener = { handleEvent: () => undefined };
const withListener = (signal: AbortSignal) => {
  signal.addEventListener('abort', listener, { once: true });
  signal.removeEventListener('abort', listener);
  return signal;
};
compare('client signal + listener (client-gone)', () => withListener(clientGoneSignal()), 'AbortController + listener', () => withListener(new AbortController().signal), 200_000);

// Events: building a response event of 31 fields: the type's literal, then the envelope's eight fields set on it
// (newEvent) vs. Object.assign of that literal onto an envelope literal.
const subject = { request_id: 'req-1', key_id: 'key-1', team_id: 'team-a', user_id: '' };
const responseFields = (i: number) => ({
  model: 'gpt-4o-mini', provider: 'openai', deployment: 'default', endpoint: '/v1/chat/completions', stream: false, status: 'ok', http_status: 200,
  error_type: '', error_message: '', finish_reason: 'stop', prompt_tokens: 12 + (i & 7), completion_tokens: 7, total_tokens: 19, gateway_overhead_ms: 0.2,
  upstream_ttfb_ms: 1.2, upstream_ms: 1.2, total_ms: 1.5, attempts: [], cache: 'none', cached_tokens: 0, model_swapped_from: '', end_user: '', tags: [],
});
const envelopeOf = () => ({ event_id: randomUUID(), type: 'response', schema_version: 1, ts: new Date().toISOString(), ...subject });
compare(
  'response event built + JSON (newEvent)',
  (i) => JSON.stringify(newEvent<ResponseEvent>('response', subject, responseFields(i) as unknown as Omit<ResponseEvent, keyof Envelope>)),
  'Object.assign onto envelope',
  (i) => JSON.stringify(Object.assign(envelopeOf(), responseFields(i))),
  50_000,
);

// Events: the partition of a tenant-keyed message, remembered per key vs. kafkajs's default (murmur2 of a new Buffer).
const topicMeta = { topic: 't', partitionMetadata: Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] })) };
const cached = cachedDefaultPartitioner();
const plainPartitioner = Partitioners.DefaultPartitioner();
const keys = Array.from({ length: 32 }, (_, i) => `team-${i}|key-${i}`);
compare('event partition (remembered)', (i) => cached({ ...topicMeta, message: { key: keys[i % 32]!, value: '' } }), 'kafkajs default', (i) => plainPartitioner({ ...topicMeta, message: { key: keys[i % 32]!, value: '' } }), 200_000);

const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
console.log(`per call, median of ${ROUNDS} rounds (Node ${process.versions.node})`);
for (const r of rows) console.log(`${r.what.padEnd(42)} ${fmt(r.chosen).padStart(10)}   vs ${r.plainName.padEnd(26)} ${fmt(r.plain).padStart(10)}   ${(r.plain / r.chosen).toFixed(1)}× cheaper`);
