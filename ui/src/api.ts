// Calls from the dashboard to the gateway: the session cookie goes along by itself (same origin, HttpOnly); writes
// add the session's CSRF token, which lives only in this page's memory. Errors carry the gateway's message.
let csrf = '';

export const setCsrf = (token: string): void => {
  csrf = token;
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the gateway says the session is gone, so the app can show the sign-in form. */
let onSignedOut: () => void = () => undefined;
export const whenSignedOut = (fn: () => void): void => {
  onSignedOut = fn;
};

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['x-helix-csrf'] = csrf;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { error: { message: text.slice(0, 200) } };
  }
  if (!res.ok) {
    const message = (body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`;
    if (res.status === 401 && path !== '/ui/api/session') onSignedOut();
    throw new ApiError(res.status, message);
  }
  return body as T;
}

/** An admin write (/key/*, /team/*): POST with a JSON body. */
export const post = <T = unknown>(path: string, body: unknown): Promise<T> => api<T>(path, { method: 'POST', body });

export interface Session {
  signed_in: true;
  csrf: string;
  refresh_interval: number;
}

export type Row = Record<string, number | string>;

/** One of the gateway's named dashboard queries (gateway/dashboard/queries.ts) over a range. */
export const namedQuery = async (name: string, range: string): Promise<Row[]> =>
  (await api<{ data: Row[] }>(`/ui/api/query/${name}?range=${encodeURIComponent(range)}`)).data;
