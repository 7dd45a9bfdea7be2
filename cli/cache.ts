// `helix cache stats [--json]` and `helix cache invalidate --id <entry> | --namespace <ns> | --model <model>`,
// straight against Redis (HELIX_REDIS_URL): they work whether or not a gateway is running.
import { createRedis } from '../lib/redis.ts';
import type { HelixConfig } from '../lib/config.ts';
import { cacheSettingsFromConfig } from '../schemas/config/cache.ts';
import { cacheStats, invalidateCache } from '../core/cache/admin.ts';
import { formatTable } from './format.ts';

export const CACHE_USAGE = `  cache stats [--json]     entries in the exact and semantic cache, hit/miss counters
  cache invalidate --id <entry> | --namespace <ns> | --model <model>
                           delete cache entries (namespace and model together: both must match)`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function cacheCommand(args: string[], config: HelixConfig): Promise<number> {
  const [sub, ...rest] = args;
  const settings = cacheSettingsFromConfig(config.helix_settings);
  const redis = createRedis(config.env.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 3_000, lazyConnect: true });
  try {
    await redis.connect();
    if (sub === 'stats') {
      const stats = await cacheStats(redis, settings);
      if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
      else {
        const rows = [
          { what: 'exact entries', value: stats.exact_entries },
          { what: 'semantic entries', value: stats.semantic_entries },
          ...Object.entries(stats.counters).map(([k, v]) => ({ what: k, value: v })),
        ];
        process.stdout.write(`${formatTable(['what', 'value'], rows)}\n(index ${stats.index})\n`);
      }
      return 0;
    }
    if (sub === 'invalidate') {
      const target = { entryId: flag(rest, '--id'), namespace: flag(rest, '--namespace'), model: flag(rest, '--model') };
      if (!target.entryId && !target.namespace && !target.model) throw new Error('helix cache invalidate needs --id, --namespace or --model');
      const { deleted } = await invalidateCache(redis, settings, target);
      console.log(`deleted ${deleted} cache entr${deleted === 1 ? 'y' : 'ies'}`);
      return 0;
    }
    console.error(`usage:\n${CACHE_USAGE}`);
    return 1;
  } finally {
    redis.disconnect();
  }
}
