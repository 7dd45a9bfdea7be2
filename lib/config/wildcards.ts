// LiteLLM's wildcard deployments (`model_name: "*"`, `"openai/*"` with `model: openai/*`) serve any model of a
// provider. Helix's router matches a request's model to `model_name` exactly (gateway/routing/router.ts), so such an
// entry loads but serves only a request for the literal name: the loader says so in one warning.

const isWildcard = (name: unknown) => typeof name === 'string' && name.includes('*');

/** `model_list[i]` of every wildcard entry. */
export function wildcardEntries(modelList: ReadonlyArray<{ model_name: string; litellm_params: { model: string } }>): string[] {
  return modelList.flatMap((m, i) => (isWildcard(m.model_name) || isWildcard(m.litellm_params.model) ? [`model_list[${i}]`] : []));
}

export const WILDCARD_WHY =
  'wildcard model names: Helix matches a request\'s model to model_name exactly, so list each model to serve (model_name: gpt-4o, model: openai/gpt-4o)';
