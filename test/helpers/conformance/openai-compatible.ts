// An OpenAI-compatible server in the conformance suite: vLLM (`hosted_vllm/`), with vLLM's own error bodies
// (`{object:"error", message, type, code}` with numeric codes, no context-length code, only its wording); rate limits
// and content refusals come from a proxy in front of it, in OpenAI's shape.
import type { FakeBehavior } from '../fake-upstreams.ts';
import type { ConformanceProvider } from './provider.ts';
import { startOpenAIWireFake } from './openai.ts';

const KEY = 'vllm-conformance-key';

const vllmError = (status: number, type: string, message: string): FakeBehavior => ({ kind: 'json', status, body: { object: 'error', message, type, param: null, code: status } });

export const openaiCompatible: ConformanceProvider = {
  name: 'hosted_vllm',
  supports: { tools: true, streaming: true },
  start: () =>
    startOpenAIWireFake({
      name: 'hosted_vllm',
      // A self-hosted model has no list price: the entry sets one.
      entry: (modelName, url) => ({
        model_name: modelName,
        litellm_params: { model: 'hosted_vllm/meta-llama/Llama-3.1-8B-Instruct', api_base: `${url}/v1`, api_key: KEY, input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 },
      }),
      // vLLM started with --api-key answers a bare {"error": "Unauthorized"}.
      reject: (req) => (req.headers.authorization === `Bearer ${KEY}` ? undefined : { kind: 'json', status: 401, body: { error: 'Unauthorized' } }),
      errors: {
        auth: { kind: 'json', status: 401, body: { error: 'Unauthorized' } },
        bad_request: vllmError(400, 'BadRequestError', 'temperature must be non-negative, got -1.0.'),
        server: vllmError(500, 'InternalServerError', 'The engine loop has stopped.'),
        context_window: vllmError(
          400,
          'BadRequestError',
          "This model's maximum context length is 8192 tokens. However, you requested 9216 tokens (8192 in the messages, 1024 in the completion). Please reduce the length of the messages or completion.",
        ),
      },
    }),
};
