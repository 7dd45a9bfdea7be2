// What the anomaly tests share: detector settings a short spend spike trips within seconds, webhook endpoints that
// retry fast, and the traffic — light, unique prompts for ~8 windows (the history), then the spike for one key.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chat, runCalls } from './traffic.ts';

export const WINDOW_S = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** helix_settings.analytics with the given webhook endpoints (loopback allowed: the receivers run in the test). */
export function anomalyAnalytics(endpoints: Array<{ name: string; url: string; secret: string }>) {
  return {
    anomalies: {
      window_seconds: WINDOW_S,
      history_windows: 20,
      min_history_windows: 5,
      cooldown_seconds: 600,
      detectors: {
        spend_spike: { dimensions: ['key'], min_value: 0.1, min_ratio: 4 },
        // The spike's first few responses already pass $0.1; tokens need ~10 of them. Without that margin a consumer
        // batch holding only the first 3 responses could raise the token spike first (its cooldown then holds the
        // incident) — which alert names the incident would depend on batch boundaries.
        token_spike: { dimensions: ['key'], min_value: 20_000, min_ratio: 4 },
      },
    },
    webhooks: { allow_loopback: true, max_attempts: 3, backoff_initial_ms: 300, backoff_max_ms: 2_000, timeout_ms: 3_000, endpoints },
  };
}

/** Normal traffic: a short, unique prompt (no cache hits) about four times a second for ~8 windows. */
export async function steadyTraffic(gatewayUrl: string, apiKey: string): Promise<void> {
  const until = Date.now() + 8 * WINDOW_S * 1000;
  for (let i = 0; Date.now() < until; i++) {
    assert.equal(await chat(gatewayUrl, apiKey, { model: 'mock/echo', content: `status ${i} ${randomUUID()}` }), 200);
    await sleep(250);
  }
}

/** The spike: 40 long prompts at once (echoed back: ~1,000 tokens each way, ~$0.04 a request); their statuses. */
export function spendSpike(gatewayUrl: string, apiKey: string): Promise<number[]> {
  const long = (i: number) => `${randomUUID()} ${'the quarterly numbers look unusual, please explain every line item '.repeat(40)} ${i}`;
  return runCalls(gatewayUrl, Array.from({ length: 40 }, (_, i) => ({ apiKey, call: { model: 'mock/echo', content: long(i) } })), 20);
}
