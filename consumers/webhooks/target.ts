// How a webhook target is named in records, logs and dead letters.

/** Scheme, host and path: what we store about a target (its query string may carry a token). */
export const targetOf = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
};
