// Vertex AI credentials → OAuth2 bearer tokens through google-auth-library: a service-account JSON (inline or a file
// path) runs the JWT flow, anything else (no credentials, authorized_user, external_account) goes through
// Application Default Credentials. One client per credentials, kept for the process: the library caches the token
// and refreshes it before it expires.
import { readFile } from 'node:fs/promises';
import { GoogleAuth, JWT, type AuthClient } from 'google-auth-library';
import { isRecord } from '../../../lib/is-record.ts';
import { UpstreamError } from '../types.ts';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Where google-auth-library always sends the JWT grant; a key file's own `token_uri` is honoured instead. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface VertexAuth {
  /** A current access token (refreshed by the library when it nears expiry). */
  token(): Promise<string>;
  /** The project named by the credentials, if any (`project_id`). */
  projectId: string | undefined;
}

type Json = Record<string, unknown>;

const clients = new Map<string, Promise<VertexAuth>>();

/** Points the client's token requests at `tokenUri` when the key file names one other than Google's default. */
function honourTokenUri(client: AuthClient, tokenUri: unknown): void {
  if (typeof tokenUri !== 'string' || !tokenUri || tokenUri === GOOGLE_TOKEN_URL) return;
  client.transporter.interceptors.request.add({
    resolved: (options) => {
      if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUri);
      return Promise.resolve(options);
    },
  });
}

async function credentialsJson(raw: string): Promise<Json> {
  const text = raw.trim().startsWith('{') ? raw : await readFile(raw, 'utf8');
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed)) throw new Error('vertex_credentials is not a JSON object');
  return parsed;
}

function tokenGetter(client: AuthClient): () => Promise<string> {
  return async () => {
    let token: string | null | undefined;
    try {
      token = (await client.getAccessToken()).token;
    } catch (err) {
      throw tokenError(err);
    }
    if (!token) throw new UpstreamError(401, 'vertex_ai: the credentials produced no access token', { code: 'auth_error' });
    return token;
  };
}

/** A failed token fetch: refused credentials are a 401 (not retried), anything else (network, 5xx) a 502. */
function tokenError(err: unknown): UpstreamError {
  const status = isRecord(err) && isRecord(err.response) && typeof err.response.status === 'number' ? err.response.status : undefined;
  const message = `vertex_ai: could not get an access token: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
  if (status !== undefined && status >= 400 && status < 500) return new UpstreamError(401, message, { code: 'auth_error', type: 'UNAUTHENTICATED' });
  return new UpstreamError(502, message, { code: 'auth_error' });
}

async function create(raw: string | undefined): Promise<VertexAuth> {
  if (raw !== undefined) {
    const json = await credentialsJson(raw);
    if (json.type === 'service_account' || (typeof json.client_email === 'string' && typeof json.private_key === 'string')) {
      const client = new JWT({ scopes: [CLOUD_PLATFORM_SCOPE] });
      client.fromJSON(json);
      honourTokenUri(client, json.token_uri);
      return { token: tokenGetter(client), projectId: typeof json.project_id === 'string' ? json.project_id : undefined };
    }
    const auth = new GoogleAuth({ credentials: json, scopes: [CLOUD_PLATFORM_SCOPE] });
    const client = await auth.getClient();
    return { token: tokenGetter(client), projectId: typeof json.project_id === 'string' ? json.project_id : undefined };
  }
  const auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const client = await auth.getClient();
  honourTokenUri(client, isRecord(auth.jsonContent) ? (auth.jsonContent as Json).token_uri : undefined);
  const projectId = await auth.getProjectId().catch(() => undefined);
  return { token: tokenGetter(client), projectId };
}

/** The auth for these credentials (undefined: Application Default Credentials), created once and reused. */
export function vertexAuth(raw: string | undefined): Promise<VertexAuth> {
  const key = raw ?? '';
  let entry = clients.get(key);
  if (!entry) {
    entry = create(raw).catch((err: unknown) => {
      clients.delete(key); // a fixed key file or environment is picked up on the next call
      throw err instanceof UpstreamError ? err : new UpstreamError(500, `vertex_ai: unusable credentials: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), { code: 'config_error' });
    });
    clients.set(key, entry);
  }
  return entry;
}

/** Forgets every cached client (tests). */
export function resetVertexAuth(): void {
  clients.clear();
}
