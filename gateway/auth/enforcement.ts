// Whether requests need credentials (helix_settings.auth.mode): always with a master key, JWT auth or `required`;
// in `auto` mode only once a virtual key exists, counted in the background at most every 10 s.
import type { AuthSettings, AuthSettingsInput } from '../../schemas/config/auth.ts';
import type { KeyStore } from '../../core/keys/key-store.ts';

/**
 * Whether every request needs credentials from the first one on (a master key, JWT auth or `mode: required`), not
 * only once a virtual key exists. Without this, Helix listens on loopback only (gateway/main.ts).
 */
export function credentialsAlwaysRequired(masterKey: string | undefined, settings: AuthSettingsInput = {}): boolean {
  return Boolean(masterKey) || settings.mode === 'required' || settings.jwt?.enabled === true;
}

export interface Enforcement {
  isEnforced(): Promise<boolean>;
  /** A virtual key exists now (created here, or found in the store): `auto` mode switches on without a recount. */
  noteKeyExists(): void;
}

export function createEnforcement(deps: { masterKey: string | undefined; settings: AuthSettings; store: KeyStore | undefined; now: () => number }): Enforcement {
  const { store, settings, now } = deps;
  const alwaysOn = credentialsAlwaysRequired(deps.masterKey, settings);
  let keyCount: number | undefined;
  let countedAt = 0;
  let counting: Promise<void> | undefined;

  function refreshCount(): Promise<void> {
    if (!store) return Promise.resolve();
    counting ??= store
      .count()
      .then(
        (n) => {
          keyCount = n;
        },
        () => undefined, // unknown: keep the last count
      )
      .finally(() => {
        countedAt = now();
        counting = undefined;
      });
    return counting;
  }

  return {
    async isEnforced() {
      if (alwaysOn) return true;
      if (!store) return false;
      if (keyCount === undefined && countedAt === 0) {
        await Promise.race([refreshCount(), new Promise((r) => setTimeout(r, settings.redis_timeout_ms))]);
      } else if (now() - countedAt > 10_000) {
        void refreshCount();
      }
      return (keyCount ?? 0) > 0;
    },
    noteKeyExists() {
      keyCount = Math.max(1, keyCount ?? 0);
    },
  };
}
