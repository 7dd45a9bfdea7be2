// AWS credentials and SigV4 for Bedrock calls. Keys in litellm_params win; otherwise the standard AWS chain
// (env vars, shared files, SSO, web identity, ECS/IMDS) resolves them. One signer per deployment, so the chain's
// memoised credentials (refreshed before they expire) are reused across requests.
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LitellmParams } from '../../../schemas/config.ts';
import { stringParam } from '../shared/params.ts';
import { UpstreamError, type UpstreamCall } from '../types.ts';

type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export const BEDROCK_SIGNING_SERVICE = 'bedrock';

const signers = new Map<string, SignatureV4>();
const MAX_SIGNERS = 1_000; // deployments come from config: a handful; bounded regardless

function credentialsFrom(params: LitellmParams): Credentials {
  const accessKeyId = stringParam(params, 'aws_access_key_id');
  const secretAccessKey = stringParam(params, 'aws_secret_access_key');
  if (accessKeyId && secretAccessKey) {
    const sessionToken = stringParam(params, 'aws_session_token');
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  }
  if (accessKeyId || secretAccessKey) {
    throw new UpstreamError(500, `bedrock: set both aws_access_key_id and aws_secret_access_key for model "${params.model}" (or neither, to use the AWS credential chain)`, { code: 'config_error' });
  }
  const profile = stringParam(params, 'aws_profile_name');
  return fromNodeProviderChain(profile ? { profile } : {});
}

function signerFor(call: UpstreamCall, region: string): SignatureV4 {
  const params = call.deployment.params;
  const key = [call.deployment.id, region, ...['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_profile_name'].map((k) => stringParam(params, k) ?? '')].join('\u0000');
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({ credentials: credentialsFrom(params), region, service: BEDROCK_SIGNING_SERVICE, sha256: Sha256 });
    if (signers.size >= MAX_SIGNERS) signers.clear();
    signers.set(key, signer);
  }
  return signer;
}

/** Forgets every signer and its cached credentials (tests, credential rotation). */
export function clearBedrockSigners(): void {
  signers.clear();
}

/** The headers of a signed POST of `bodyText` to `url` (host, content-type, x-amz-date, …, authorization). */
export async function signedHeaders(call: UpstreamCall, region: string, url: string, bodyText: string): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = signerFor(call, region);
  try {
    const signed = await signer.sign({
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port ? Number(target.port) : undefined,
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: { host: target.host, 'content-type': 'application/json' },
      body: bodyText,
    });
    return signed.headers;
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new UpstreamError(500, `bedrock: no usable AWS credentials for model "${call.deployment.params.model}": ${reason}`, { code: 'config_error', type: 'credentials_error' });
  }
}
