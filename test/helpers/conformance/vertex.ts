// Vertex AI (`vertex_ai/`) in the conformance suite: the same generateContent fake on Vertex paths, authenticated by
// a service account whose JWT grant the fake's own token endpoint verifies (google-auth-library's real flow).
import type { ConformanceProvider } from './provider.ts';
import { startFakeGemini } from '../fakes/gemini.ts';

export const vertex: ConformanceProvider = {
  name: 'vertex_ai',
  supports: { tools: true, streaming: true },
  async start() {
    const fake = await startFakeGemini('vertex');
    return {
      modelEntry: (modelName) => ({
        model_name: modelName,
        litellm_params: {
          model: 'vertex_ai/gemini-2.5-flash',
          api_base: fake.url,
          vertex_project: fake.project,
          vertex_location: fake.location,
          vertex_credentials: JSON.stringify(fake.serviceAccount),
        },
      }),
      answerNext: (answer) => fake.answerNext(answer),
      requests: () => fake.requests(),
      close: () => fake.close(),
    };
  },
};
