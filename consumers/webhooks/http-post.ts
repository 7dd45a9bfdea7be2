// The HTTP POST a webhook attempt makes: through an agent whose DNS lookup refuses forbidden addresses.
import { Agent, request } from 'undici';
import type { TargetGuard } from './address-guard.ts';

export type PostFn = (url: URL, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<number>;

/** POST through an agent whose DNS lookup refuses forbidden addresses; no redirects are followed. */
export function guardedPost(guard: TargetGuard): PostFn {
  const agent = new Agent({ connect: { lookup: guard.lookup } });
  return async (url, body, headers, timeoutMs) => {
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'helix-webhooks/1', ...headers },
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode;
  };
}
