// Where the response cache keeps its entries in Redis. The exact cache: one string per canonical request,
// `<prefix>exact:<namespace>:<model>:<sha256>`, namespace and model base64url-encoded so SCAN patterns can match them;
// the hit/miss counters: one hash, `<prefix>stats`.
export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

export function exactKeyPattern(prefix: string, parts: { namespace?: string; model?: string; hash?: string }): string {
  return `${prefix}exact:${parts.namespace !== undefined ? b64(parts.namespace) : '*'}:${parts.model !== undefined ? b64(parts.model) : '*'}:${parts.hash ?? '*'}`;
}

/** The hash of hit/miss counters that `helix cache stats` reads. */
export const statsKey = (prefix: string) => `${prefix}stats`;
