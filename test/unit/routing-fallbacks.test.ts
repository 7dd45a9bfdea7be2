// Fallbacks by reason (LiteLLM's context_window_fallbacks / content_policy_fallbacks): which upstream failures count
// as a context-window or content-policy failure, the order model groups are tried in, the attempts recorded, and the
// error the client sees when nothing succeeds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseConfig } from '../../lib/config.ts';
import { deploymentsFrom } from '../../core/deployments.ts';
import { GatewayError, openAiErrorBody } from '../../gateway/errors.ts';
import { UpstreamError } from '../../gateway/providers/types.ts';
import { upstreamErrorFromResponse } from '../../gateway/providers/shared/errors.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import { Router, toUpstreamGatewayError, type ProviderCall } from '../../gateway/routing/router.ts';
import { failureReason, type FailureReason } from '../../gateway/routing/failure-reason.ts';
import type { Attempt } from '../../schemas/events.ts';

const json = (status: number, body: unknown) => upstreamErrorFromResponse(status, {}, JSON.stringify(body));

const CLASSIFIED: Array<[string, UpstreamError, FailureReason | undefined]> = [
  [
    'OpenAI context_length_exceeded',
    json(400, { error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }),
    'context_window',
  ],
  ['vLLM maximum context length (no code)', json(400, { object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.", type: 'BadRequestError', code: 400 }), 'context_window'],
  ['Anthropic prompt is too long', json(400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }), 'context_window'],
  ['Gemini exceeds the maximum number of tokens', json(400, { error: { code: 400, message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } }), 'context_window'],
  ['Bedrock Input is too long', json(400, { message: 'Input is too long for requested model.' }), 'context_window'],
  ['an adapter-set code', new UpstreamError(400, 'too long', { code: 'context_length_exceeded' }), 'context_window'],
  ['OpenAI content_policy_violation', json(400, { error: { message: 'Your request was rejected as a result of our safety system.', type: 'invalid_request_error', code: 'content_policy_violation' } }), 'content_policy'],
  [
    'Azure content_filter / ResponsibleAIPolicyViolation',
    json(400, {
      error: {
        message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: true, severity: 'high' } } },
      },
    }),
    'content_policy',
  ],
  ['Azure innererror only', json(400, { error: { message: 'filtered', code: 'invalid_prompt', innererror: { code: 'ResponsibleAIPolicyViolation' } } }), 'content_policy'],
  ['Anthropic content filtering policy', json(400, { type: 'error', error: { type: 'invalid_request_error', message: 'Output blocked by content filtering policy' } }), 'content_policy'],
  ['Gemini safety block', new UpstreamError(400, 'The prompt was blocked for safety reasons (SAFETY).', { code: 'content_policy_violation' }), 'content_policy'],
  ['Bedrock guardrail', json(400, { message: 'The request was blocked by the guardrail.' }), 'content_policy'],
  ['plain 400', json(400, { error: { message: "Invalid value for 'temperature'", type: 'invalid_request_error', code: 'invalid_value' } }), undefined],
  ['429 mentioning tokens', json(429, { error: { message: 'Rate limit reached: maximum context length of tokens per min', type: 'tokens', code: 'rate_limit_exceeded' } }), undefined],
  ['500 mentioning a content filter', json(500, { error: { message: 'content filter service unavailable', type: 'server_error' } }), undefined],
  ['401', json(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }), undefined],
  ['not an UpstreamError', new Error('maximum context length') as UpstreamError, undefined],
];

describe('failure classification', () => {
  for (const [name, err, expected] of CLASSIFIED) {
    it(`${name} → ${expected ?? 'no reason'}`, () => assert.equal(failureReason(err), expected));
  }

  it('maps classified failures to 400s with OpenAI codes; other codes keep their mapping', () => {
    const context = toUpstreamGatewayError(CLASSIFIED[0]![1]);
    assert.equal(context.status, 400);
    assert.deepEqual(openAiErrorBody(context).error, { message: CLASSIFIED[0]![1].message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' });
    const policy = toUpstreamGatewayError(CLASSIFIED[6]![1]);
    assert.equal(policy.status, 400);
    assert.equal(policy.code, 'content_policy_violation');
    assert.equal(toUpstreamGatewayError(json(400, { error: { message: 'bad' } })).code, 'invalid_request');
    assert.equal(toUpstreamGatewayError(json(401, { error: { message: 'no' } })).code, 'upstream_error');
    assert.equal(toUpstreamGatewayError(json(429, { error: { message: 'slow down' } })).code, 'rate_limit_exceeded');
  });
});

const CONFIG = (router: string) => `
model_list:
  - { model_name: small, litellm_params: { model: mock/echo } }
  - { model_name: small, litellm_params: { model: mock/echo } }
  - { model_name: large, litellm_params: { model: mock/echo } }
  - { model_name: huge, litellm_params: { model: mock/echo } }
  - { model_name: safe, litellm_params: { model: mock/echo } }
  - { model_name: backup, litellm_params: { model: mock/echo } }
router_settings:
  num_retries: 2
${router}
`;

function routerFor(routerYaml: string): Router {
  const file = parseConfig(parse(CONFIG(routerYaml)));
  return new Router(deploymentsFrom(file.model_list), file.router_settings);
}

const CONTEXT = () => json(400, { error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } });
const POLICY = () => json(400, { error: { message: 'filtered', code: 'content_filter', innererror: { code: 'ResponsibleAIPolicyViolation' } } });
const DOWN = () => new UpstreamError(503, 'overloaded');

/** Each group answers from its script (the last entry repeats); `ok` answers with the group's name. */
function scripted(script: Record<string, Array<() => Error>>): { call: ProviderCall<string>; groups: string[] } {
  const groups: string[] = [];
  const used = new Map<string, number>();
  const call: ProviderCall<string> = async (_adapter, upstream) => {
    const group = upstream.deployment.modelName;
    groups.push(group);
    const steps = script[group] ?? [];
    const n = used.get(group) ?? 0;
    used.set(group, n + 1);
    const step = steps[Math.min(n, steps.length - 1)];
    if (step) throw step();
    return group;
  };
  return { call, groups };
}

async function run(routerYaml: string, model: string, script: Record<string, Array<() => Error>>): Promise<{ value?: string; error?: GatewayError; groups: string[]; attempts: Attempt[] }> {
  const router = routerFor(routerYaml);
  const trace = newTrace('/v1/chat/completions');
  const { call, groups } = scripted(script);
  const result = await router.call(trace, model, call, new AbortController().signal).then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error instanceof GatewayError ? error : assert.fail(`not a GatewayError: ${String(error)}`) }),
  );
  return { ...result, groups, attempts: trace.attempts };
}

describe('fallbacks by reason', () => {
  const BOTH = `
  fallbacks: [{ small: [backup] }]
  context_window_fallbacks: [{ small: [large, huge] }]
  content_policy_fallbacks: [{ small: [safe] }]`;

  it('a context-window failure is not retried and goes to the context-window fallbacks, in order', async () => {
    const r = await run(BOTH, 'small', { small: [CONTEXT], large: [CONTEXT] });
    assert.equal(r.value, 'huge');
    assert.deepEqual(r.groups, ['small', 'large', 'huge']);
    assert.deepEqual(r.attempts.map((a) => [a.deployment.split('#')[0], a.status]), [['small', 400], ['large', 400], ['huge', 200]]);
    assert.match(r.attempts[0]!.error!, /maximum context length/);
  });

  it('a content-policy failure goes to the content-policy fallbacks, not the generic ones', async () => {
    const r = await run(BOTH, 'small', { small: [POLICY] });
    assert.equal(r.value, 'safe');
    assert.deepEqual(r.groups, ['small', 'safe']);
  });

  it('without a table for the reason, the generic fallbacks are used', async () => {
    const r = await run(`  fallbacks: [{ small: [backup] }]`, 'small', { small: [CONTEXT] });
    assert.equal(r.value, 'backup');
    assert.deepEqual(r.groups, ['small', 'backup']);
  });

  it('a table for another group does not apply', async () => {
    const r = await run(`  fallbacks: [{ small: [backup] }]\n  context_window_fallbacks: [{ large: [huge] }]`, 'small', { small: [CONTEXT] });
    assert.deepEqual(r.groups, ['small', 'backup']);
  });

  it('other failures keep their behaviour: 5xx retried then generic fallbacks; a plain 400 stops', async () => {
    const down = await run(BOTH, 'small', { small: [DOWN] });
    assert.equal(down.value, 'backup');
    assert.deepEqual(down.groups, ['small', 'small', 'small', 'backup']);
    const bad = await run(BOTH, 'small', { small: [() => json(400, { error: { message: 'bad temperature' } })] });
    assert.equal(bad.error?.code, 'invalid_request');
    assert.deepEqual(bad.groups, ['small']);
  });

  it('a generic fallback that hits the context window switches to the context-window table', async () => {
    const r = await run(BOTH, 'small', { small: [DOWN], backup: [CONTEXT] });
    assert.equal(r.value, 'large');
    assert.deepEqual(r.groups, ['small', 'small', 'small', 'backup', 'large']);
  });

  it('a reason fallback that is down is retried within its group, then the next one in the table is tried', async () => {
    const r = await run(BOTH, 'small', { small: [CONTEXT], large: [DOWN] });
    assert.equal(r.value, 'huge');
    assert.deepEqual(r.groups, ['small', 'large', 'large', 'large', 'huge']);
  });

  it('when nothing succeeds, the client sees the original class of error', async () => {
    const all = await run(BOTH, 'small', { small: [CONTEXT], large: [CONTEXT], huge: [DOWN] });
    assert.equal(all.error?.code, 'context_length_exceeded');
    assert.equal(all.error?.status, 400);
    assert.equal(all.attempts.length, 1 + 1 + 3, 'every attempt is recorded');
    const policy = await run(BOTH, 'small', { small: [POLICY], safe: [POLICY] });
    assert.equal(policy.error?.code, 'content_policy_violation');
    const none = await run('', 'small', { small: [CONTEXT] });
    assert.equal(none.error?.code, 'context_length_exceeded');
    assert.deepEqual(none.groups, ['small'], 'no retry on the same group');
  });

  it('a classified failure does not cool the deployment down, even when it came with a 5xx', async () => {
    const router = routerFor(`  allowed_fails: 0\n  cooldown_time: 60`);
    const first = newTrace('/v1/chat/completions');
    const inStream = () => new UpstreamError(500, 'context window exceeded mid-stream', { code: 'context_length_exceeded' });
    await router.call(first, 'small', scripted({ small: [inStream] }).call, new AbortController().signal).catch(() => undefined);
    assert.equal(first.attempts.length, 1);
    const failed = first.attempts[0]!.deployment;
    const picked = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const trace = newTrace('/v1/chat/completions');
      await router.call(trace, 'small', scripted({}).call, new AbortController().signal);
      picked.add(trace.attempts[0]!.deployment);
    }
    assert.ok(picked.has(failed), 'the deployment stays in rotation');
  });

  it('rejects unknown targets in the reason tables, naming the setting', () => {
    assert.throws(() => routerFor(`  context_window_fallbacks: [{ small: [nope] }]`), /context_window_fallbacks.*nope/);
    assert.throws(() => routerFor(`  content_policy_fallbacks: [{ small: [nope] }]`), /content_policy_fallbacks.*nope/);
  });
});
