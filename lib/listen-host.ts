// Where a Helix server may listen. Without authentication (no master key) anyone who can reach the address could use
// it — spend provider credit, read analytics — so an unauthenticated server listens on loopback only, unless the
// operator opts in knowingly (general_settings.dangerously_allow_unauthenticated). Refusing, rather than quietly
// listening on 127.0.0.1, keeps a misconfigured container from looking healthy to its own healthcheck.

const ALLOW_UNAUTHENTICATED_HINT = 'general_settings.dangerously_allow_unauthenticated: true (or HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED=1)';

/** 127.0.0.0/8, ::1 (also IPv4-mapped or in brackets) and `localhost`. Any other name or address counts as network. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return /^127(\.\d{1,3}){3}$/.test(v4);
}

export interface ListenRequest {
  /** Named in the messages, e.g. `the gateway`. */
  service: string;
  host: string;
  /** Every caller must present credentials (a master key is set, or the like). */
  authenticated: boolean;
  /** The explicit opt-in to listen beyond loopback without authentication. */
  allowUnauthenticated: boolean;
}

/**
 * Throws (a message naming the fixes) when an unauthenticated server is asked to listen beyond loopback without the
 * opt-in. Otherwise returns the warning to print at start for an unauthenticated server, or undefined.
 */
export function checkListenHost(r: ListenRequest): string | undefined {
  if (r.authenticated) return undefined;
  if (isLoopbackHost(r.host)) {
    return `no master key: ${r.service} runs WITHOUT AUTHENTICATION, so it listens on loopback (${r.host}) only. Set HELIX_MASTER_KEY to listen on other addresses.`;
  }
  if (!r.allowUnauthenticated) {
    throw new Error(
      `refusing to listen on ${r.host}: no master key is set, so anyone who can reach ${r.service} there could use it without authentication. ` +
        `Set HELIX_MASTER_KEY (or general_settings.master_key), listen on 127.0.0.1 (HELIX_HOST), or accept the risk with ${ALLOW_UNAUTHENTICATED_HINT}.`,
    );
  }
  return `no master key: ${r.service} runs WITHOUT AUTHENTICATION on ${r.host}; anyone who can reach that address can use it (allowed by ${ALLOW_UNAUTHENTICATED_HINT}).`;
}
