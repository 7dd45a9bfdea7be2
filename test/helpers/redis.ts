// Cleanup after a test on the run's shared Redis, on a single Redis and on a Redis Cluster alike
// (HELIX_TEST_REDIS=cluster): key names differ there (hash tags), so it matches a marker anywhere in the name.
import { createRedis, readyMasters, scanKeys, unlinkKeys } from '../../lib/redis.ts';

/** Drops every RediSearch index and deletes every key whose name contains `marker` (a test's own prefix). */
export async function clearTestData(url: string, marker: string): Promise<void> {
  const redis = createRedis(url, { maxRetriesPerRequest: 1 });
  try {
    for (const node of await readyMasters(redis)) {
      const indexes = (await node.call('FT._LIST')) as string[];
      for (const index of indexes.filter((name) => name.includes(marker))) await node.call('FT.DROPINDEX', index);
    }
    await unlinkKeys(redis, await scanKeys(redis, `*${marker}*`));
  } finally {
    redis.disconnect();
  }
}
