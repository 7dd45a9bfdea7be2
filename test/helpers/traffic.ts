// Generated traffic through a real gateway (keys, teams, models, streams, failures, PII, cache hits), the config
// that prices the mock models and sets fast anomaly windows, and a webhook receiver on 127.0.0.1 — what the
// analytics end-to-end tests (anomalies, webhooks, Grafana panels, ClickHouse outage) feed the pipeline with.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createKafka } from '../../lib/kafka.ts';
import { waitFor } from './processes.ts';

export interface TrafficKey {
  /** The secret (sk-helix-…) to call with. */
  key: string;
  keyId: string;
  alias: string;
  teamId: string;
  userId: string;
}

/** USD per token the test models cost (so spend, budgets and spend anomalies are exact and non-zero). */
export const TEST_PRICES = { input_cost_per_token: 0.00001, output_cost_per_token: 0.00003 };

/** mock/echo (priced), mock/fixed (priced), mock/flaky (always 503, no retries) and mock/slow. */
export function testModelList() {
  return [
    { model_name: 'mock/echo', litellm_params: { model: 'mock/echo', ...TEST_PRICES } },
    { model_name: 'mock/fixed', litellm_params: { model: 'mock/fixed', ...TEST_PRICES } },
    { model_name: 'mock/flaky', litellm_params: { model: 'mock/fixed', mock_fail_status: 503, mock_fail_rate: 1, ...TEST_PRICES } },
    { model_name: 'mock/slow', litellm_params: { model: 'mock/fixed', mock_latency_ms: 300, ...TEST_PRICES } },
  ];
}

/** Writes a HELIX_CONFIG file (YAML) and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, `helix-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}

export async function createKey(gatewayUrl: string, masterKey: string, settings: { team_id?: string; user_id?: string; max_budget?: number; budget_duration?: string } = {}): Promise<TrafficKey> {
  const alias = `t-${randomBytes(5).toString('hex')}`;
  const res = await fetch(`${gatewayUrl}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_alias: alias, ...settings }),
  });
  const body = (await res.json()) as { key?: string; key_id?: string; error?: { message: string } };
  if (!res.ok || !body.key || !body.key_id) throw new Error(`key/generate failed (${res.status}): ${body.error?.message ?? ''}`);
  return { key: body.key, keyId: body.key_id, alias, teamId: settings.team_id ?? '', userId: settings.user_id ?? '' };
}

export interface ChatCall {
  model: string;
  content: string;
  stream?: boolean;
  /** More request-body fields (`user`, `metadata.tags`, …). */
  body?: Record<string, unknown>;
}

/** One chat completion; returns the HTTP status (streams are read to the end). */
export async function chat(gatewayUrl: string, apiKey: string, call: ChatCall): Promise<number> {
  const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...call.body, model: call.model, stream: call.stream ?? false, messages: [{ role: 'user', content: call.content }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Runs calls with bounded concurrency; returns the statuses in order. */
export async function runCalls(gatewayUrl: string, calls: Array<{ apiKey: string; call: ChatCall }>, concurrency = 8): Promise<number[]> {
  const statuses: number[] = new Array<number>(calls.length);
  let next = 0;
  const worker = async () => {
    while (next < calls.length) {
      const i = next++;
      statuses[i] = await chat(gatewayUrl, calls[i]!.apiKey, calls[i]!.call);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

const PII_PROMPTS = [
  'Please email the report to jane.doe@example.com today',
  'Call me on +1 415 555 0132 after lunch',
  'My card is 4111 1111 1111 1111, is it valid?',
];

/**
 * A mixed workload over the keys: every model, streams, upstream failures, PII, repeated prompts (cache hits).
 * Deterministic for a given `rounds`, so tests can count what they sent.
 */
export function mixedCalls(keys: TrafficKey[], rounds: number): Array<{ apiKey: string; call: ChatCall }> {
  const calls: Array<{ apiKey: string; call: ChatCall }> = [];
  for (let r = 0; r < rounds; r++) {
    keys.forEach((k, i) => {
      const n = r * keys.length + i;
      const model = n % 7 === 3 ? 'mock/flaky' : n % 5 === 0 ? 'mock/fixed' : 'mock/echo';
      const content = n % 4 === 0 ? PII_PROMPTS[n % PII_PROMPTS.length]! : n % 3 === 0 ? 'What is the capital of France?' : `Summarize item ${n} of the ledger in one line`;
      calls.push({ apiKey: k.key, call: { model, content, stream: n % 6 === 1 } });
    });
  }
  return calls;
}

/**
 * Waits until these consumer groups (full ids, with the topic prefix) have joined and own partitions. Groups that
 * start at the latest offset (anomaly, webhooks) only see what is produced after that.
 */
export async function waitForGroups(brokers: string[], groupIds: string[], timeoutMs = 60_000): Promise<void> {
  const admin = createKafka(brokers, 'helix-test-groups').admin();
  await admin.connect();
  try {
    await waitFor(
      `consumer groups ${groupIds.join(', ')}`,
      async () => {
        const { groups } = await admin.describeGroups(groupIds);
        return groups.length === groupIds.length && groups.every((g) => g.state === 'Stable' && g.members.length > 0);
      },
      timeoutMs,
      250,
    );
  } finally {
    await admin.disconnect();
  }
}

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** HTTP status answered to each request (default 200). */
  respondWith(status: number): void;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request it gets. */
export async function startWebhookReceiver(path = '/hooks/helix'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      received.push({ headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    respondWith(s) {
      status = s;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
