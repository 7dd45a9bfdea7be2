// A deployment is one `model_list` entry: the provider prefix of `litellm_params.model` names the provider.
import type { LitellmParams, ModelEntry } from '../schemas/config.ts';

/** One configured upstream: a `model_list` entry. */
export interface Deployment {
  id: string;
  modelName: string;
  provider: string;
  /** The model name the upstream expects (after the provider prefix). */
  upstreamModel: string;
  params: LitellmParams;
}

/** Builds deployments from model_list; `provider/model` → provider + upstream model. */
export function deploymentsFrom(modelList: ModelEntry[]): Deployment[] {
  return modelList.map((entry, i) => {
    const full = entry.litellm_params.model;
    const slash = full.indexOf('/');
    const provider = slash > 0 ? full.slice(0, slash) : 'openai';
    const upstreamModel = slash > 0 ? full.slice(slash + 1) : full;
    return { id: `${entry.model_name}#${i}`, modelName: entry.model_name, provider, upstreamModel, params: entry.litellm_params };
  });
}
