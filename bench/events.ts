// How an event object is built decides how fast it serialises: time per event to build a request event of 16 fields
// and JSON.stringify it, for (a) one object literal, (b) `{ ...head, ...fields }`, (c) `Object.assign(head, fields)`,
// (d) core/events/envelope.ts's newEvent (the fields' literal, then the envelope's fields set on it), and
// (e) `{ ...head, model, … }` (a spread followed by more keys).
// Usage: npx tsx bench/events.ts [--events 50000] [--rounds 5]   (the median of the rounds is printed)
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fmt, median, table } from './lib.ts';
import { newEvent } from '../core/events/envelope.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } } });
const perRound = Number(values.events);
const rounds = Math.max(1, Number(values.rounds));

// Varying inputs, so no variant serialises the same object over and over.
const ids = Array.from({ length: 1024 }, () => randomUUID());
const models = ['gpt-4o-mini', 'claude-3-5-haiku', 'mock/echo', 'gpt-4.1'];
const ts = new Date().toISOString();

interface Envelope {
  event_id: string;
  type: 'request';
  schema_version: number;
  ts: string;
  request_id: string;
  key_id: string;
  team_id: string;
  user_id: string;
}
interface RequestFields {
  model: string;
  provider: string;
  deployment: string;
  endpoint: string;
  stream: boolean;
  message_count: number;
  prompt_chars: number;
  prompt: string;
}

const envelope = (i: number): Envelope => ({ event_id: ids[i & 1023]!, type: 'request', schema_version: 1, ts, request_id: ids[(i + 1) & 1023]!, key_id: 'key-1', team_id: 'team-a', user_id: '' });
const fieldsOf = (i: number): RequestFields => ({
  model: models[i & 3]!,
  provider: 'openai',
  deployment: 'default',
  endpoint: '/v1/chat/completions',
  stream: (i & 1) === 0,
  message_count: 1 + (i & 7),
  prompt_chars: 100 + (i & 255),
  prompt: '',
});

const variants: Record<string, (i: number) => Envelope & RequestFields> = {
  'one literal': (i) => {
    const f = fieldsOf(i);
    return {
      event_id: ids[i & 1023]!,
      type: 'request',
      schema_version: 1,
      ts,
      request_id: ids[(i + 1) & 1023]!,
      key_id: 'key-1',
      team_id: 'team-a',
      user_id: '',
      model: f.model,
      provider: f.provider,
      deployment: f.deployment,
      endpoint: f.endpoint,
      stream: f.stream,
      message_count: f.message_count,
      prompt_chars: f.prompt_chars,
      prompt: f.prompt,
    };
  },
  '{ ...head, ...fields }': (i) => ({ ...envelope(i), ...fieldsOf(i) }),
  'Object.assign(head, fields)': (i) => Object.assign(envelope(i), fieldsOf(i)),
  'newEvent (what Helix runs)': (i) => newEvent<Envelope & RequestFields>('request', { request_id: ids[(i + 1) & 1023]!, key_id: 'key-1', team_id: 'team-a', user_id: '' }, fieldsOf(i), { ts }),
  '{ ...head, model, … }': (i) => {
    const f = fieldsOf(i);
    return { ...envelope(i), model: f.model, provider: f.provider, deployment: f.deployment, endpoint: f.endpoint, stream: f.stream, message_count: f.message_count, prompt_chars: f.prompt_chars, prompt: f.prompt };
  },
};

let sink = 0; // keeps the work observable, so none of it is optimised away

/** Nanoseconds per event: building only, and building plus JSON.stringify. */
function time(build: (i: number) => Envelope & RequestFields): { build: number; total: number } {
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) sink += build(i).prompt_chars;
  const buildNs = Number(process.hrtime.bigint() - t0) / perRound;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) sink += JSON.stringify(build(i)).length;
  return { build: buildNs, total: Number(process.hrtime.bigint() - t0) / perRound };
}

const samples: Record<string, Array<{ build: number; total: number }>> = {};
for (const build of Object.values(variants)) time(build); // warm-up: every variant optimised before measuring
for (let round = 0; round < rounds; round++) {
  for (const [name, build] of Object.entries(variants)) (samples[name] ??= []).push(time(build));
}

const literal = median(samples['one literal']!.map((s) => s.total));
console.log(`\nRequest event (16 fields), ${perRound} events × ${rounds} rounds, medians; Node ${process.version}\n`);
console.log(
  table(
    Object.entries(samples).map(([name, list]) => {
      const total = median(list.map((s) => s.total));
      return {
        variant: name,
        'build + stringify ns/event': fmt(total, 0),
        'build only ns/event': fmt(median(list.map((s) => s.build)), 0),
        'vs one literal': `${fmt(total / literal, 2)}×`,
      };
    }),
  ),
);
if (sink < 0) console.log(sink);
