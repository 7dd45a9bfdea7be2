// Azure OpenAI in the conformance suite: OpenAI's chat wire under /openai/deployments/{d}/…?api-version=…, the
// `api-key` header, and Azure's own error bodies (numeric-string codes, content_filter with its inner error).
import type { FakeBehavior } from '../fake-upstreams.ts';
import type { ConformanceProvider } from './provider.ts';
import { startOpenAIWireFake } from './openai.ts';

const KEY = 'azure-conformance-key';
const DEPLOYMENT = 'conf-gpt-4o';

const azureError = (status: number, error: Record<string, unknown>, headers?: Record<string, string>): FakeBehavior => ({ kind: 'json', status, body: { error }, ...(headers ? { headers } : {}) });

const AUTH = azureError(401, { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.' });

export const azure: ConformanceProvider = {
  name: 'azure',
  supports: { tools: true, streaming: true },
  start: () =>
    startOpenAIWireFake({
      name: 'azure',
      // Deployment names are the customer's own: the price comes from the entry.
      entry: (modelName, url) => ({
        model_name: modelName,
        litellm_params: { model: `azure/${DEPLOYMENT}`, api_base: url, api_key: KEY, api_version: '2024-10-21', input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 },
      }),
      reject: (req) => {
        if (req.headers['api-key'] !== KEY) return AUTH;
        if (!req.path.startsWith(`/openai/deployments/${DEPLOYMENT}/`) || !req.query.get('api-version')) return azureError(404, { code: '404', message: 'Resource not found' });
        return undefined;
      },
      errors: {
        auth: AUTH,
        rate_limit: azureError(
          429,
          { code: '429', message: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.' },
          { 'retry-after': '1', 'retry-after-ms': '10' },
        ),
        server: azureError(500, { code: 'InternalServerError', message: 'The service is temporarily unable to process your request. Please try again later.', status: 500 }),
        content_policy: azureError(400, {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { hate: { filtered: true, severity: 'high' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } },
          },
        }),
      },
    }),
};
