// Where a Bedrock deployment is called: the model id (`bedrock/<id>` or `bedrock/converse/<id>`), the region
// (aws_region_name, else AWS_REGION / AWS_DEFAULT_REGION, else an ARN's), and the runtime URL (api_base overrides).
import type { LitellmParams } from '../../../schemas/config.ts';
import { joinUrl } from '../shared/http.ts';
import { stringParam } from '../shared/params.ts';
import { UpstreamError, type UpstreamCall } from '../types.ts';

/** LiteLLM's route prefixes: Helix always speaks Converse, so both name the same model. */
const ROUTE_PREFIX = /^(converse|invoke)\//;

export function bedrockModelId(upstreamModel: string): string {
  return upstreamModel.replace(ROUTE_PREFIX, '');
}

export function bedrockRegion(params: LitellmParams, modelId: string): string {
  const region = stringParam(params, 'aws_region_name', ['AWS_REGION', 'AWS_DEFAULT_REGION']) ?? /^arn:aws[\w-]*:bedrock:([a-z0-9-]+):/.exec(modelId)?.[1];
  if (!region) throw new UpstreamError(500, `bedrock: litellm_params.aws_region_name is required for model "${params.model}" (or set AWS_REGION / AWS_DEFAULT_REGION)`, { code: 'config_error' });
  return region;
}

/** `…/model/{modelId}/converse` or `/converse-stream`, the model id URL-encoded (ARNs hold `/` and `:`). */
export function converseUrl(call: UpstreamCall, region: string, modelId: string, stream: boolean): string {
  const params = call.deployment.params;
  const base = stringParam(params, 'api_base') ?? stringParam(params, 'aws_bedrock_runtime_endpoint', ['AWS_BEDROCK_RUNTIME_ENDPOINT']) ?? `https://bedrock-runtime.${region}.amazonaws.com`;
  return joinUrl(base, `model/${encodeURIComponent(modelId)}/${stream ? 'converse-stream' : 'converse'}`);
}
