// Bedrock in the conformance suite: the Converse fake (SigV4-checked, eventstream answers) and a deployment with
// no keys in litellm_params, so the gateway resolves credentials through the standard AWS chain from `env`.
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, FAKE_BEDROCK_MODEL, startFakeBedrock } from '../fakes/bedrock.ts';
import type { ConformanceProvider } from './provider.ts';

export const bedrock: ConformanceProvider = {
  name: 'bedrock',
  supports: { tools: true, streaming: true },
  async start() {
    const fake = await startFakeBedrock();
    return {
      modelEntry: (modelName) => ({ model_name: modelName, litellm_params: { model: `bedrock/${FAKE_BEDROCK_MODEL}`, api_base: fake.url } }),
      env: {
        AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
        AWS_REGION: FAKE_AWS_REGION,
        // The chain must never reach for instance metadata (no network beyond loopback in tests).
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      answerNext: (answer) => fake.answerNext(answer),
      requests: () => fake.requests,
      close: () => fake.close(),
    };
  },
};
