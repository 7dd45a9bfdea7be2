// The fallback tables of router_settings (LiteLLM's names): `fallbacks` for any failure that is worth another
// model group, `context_window_fallbacks` and `content_policy_fallbacks` for those reasons, tried first when set.
import type { RouterSettings } from '../../schemas/config.ts';
import type { FailureReason } from './failure-reason.ts';

export type FallbackKind = 'generic' | FailureReason;

const SETTING = {
  generic: 'fallbacks',
  context_window: 'context_window_fallbacks',
  content_policy: 'content_policy_fallbacks',
} as const satisfies Record<FallbackKind, keyof RouterSettings>;

export class FallbackTable {
  private readonly lists = new Map<FallbackKind, Map<string, string[]>>();

  /** Throws on a target that is not a configured model group, naming the setting. */
  constructor(settings: RouterSettings, hasModel: (group: string) => boolean) {
    for (const kind of Object.keys(SETTING) as FallbackKind[]) {
      const byGroup = new Map<string, string[]>();
      for (const entry of settings[SETTING[kind]] ?? []) {
        for (const [from, to] of Object.entries(entry)) {
          for (const target of to) if (!hasModel(target)) throw new Error(`router_settings.${SETTING[kind]}: "${from}" falls back to unknown model "${target}"`);
          byGroup.set(from, to);
        }
      }
      this.lists.set(kind, byGroup);
    }
  }

  /** Which table answers a failure of `group`: the reason's own when it lists the group, else the generic one. */
  kindFor(group: string, reason: FailureReason | undefined): FallbackKind {
    return reason && this.lists.get(reason)?.has(group) ? reason : 'generic';
  }

  groups(kind: FallbackKind, group: string): string[] {
    return this.lists.get(kind)?.get(group) ?? [];
  }
}
