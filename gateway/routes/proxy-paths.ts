// The proxy endpoints' paths, named once: the /v1 plugin registers them, metrics keep them as label values.
export const PROXY_PATHS = {
  chatCompletions: '/v1/chat/completions',
  messages: '/v1/messages',
  countTokens: '/v1/messages/count_tokens',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
  responses: '/v1/responses',
} as const;
