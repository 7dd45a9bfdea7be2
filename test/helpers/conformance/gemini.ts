// Google AI Studio (`gemini/`) in the conformance suite: the generateContent fake (test/helpers/fakes/gemini.ts)
// with its API key check and Google's own error bodies.
import type { ConformanceProvider } from './provider.ts';
import { startFakeGemini } from '../fakes/gemini.ts';

export const gemini: ConformanceProvider = {
  name: 'gemini',
  supports: { tools: true, streaming: true },
  async start() {
    const fake = await startFakeGemini('gemini');
    return {
      // gemini-2.5-flash is in the price database (provider google): the cost case runs on its real prices.
      modelEntry: (modelName) => ({ model_name: modelName, litellm_params: { model: 'gemini/gemini-2.5-flash', api_base: fake.url, api_key: fake.apiKey } }),
      answerNext: (answer) => fake.answerNext(answer),
      requests: () => fake.requests(),
      close: () => fake.close(),
    };
  },
};
