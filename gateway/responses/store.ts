// Stored responses for `previous_response_id`, in Redis (so every gateway sees every response) with a TTL, each
// scoped to the key that created it: another key asking for it finds nothing.
import type { RedisClient as Redis } from '../../lib/redis.ts';
import { logger } from '../../lib/logger.ts';
import type { ResponseObject, ResponsesInputItem } from './wire.ts';

/** How long a stored response can be continued. */
export const RESPONSE_TTL_SECONDS = 24 * 60 * 60;
/** A conversation larger than this is not stored (it could not be continued through the request size limit either). */
export const MAX_STORED_BYTES = 16 * 1024 * 1024;
const KEY_PREFIX = 'helix:responses:';

export interface StoredResponse {
  /** keyId of the caller that created it ('' without auth). */
  owner: string;
  /** The whole conversation's input up to this response (earlier turns included). */
  input: ResponsesInputItem[];
  response: ResponseObject;
}

export class ResponseStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = RESPONSE_TTL_SECONDS,
  ) {}

  async save(record: StoredResponse): Promise<void> {
    const json = JSON.stringify(record);
    if (Buffer.byteLength(json) > MAX_STORED_BYTES) {
      logger.warn({ responseId: record.response.id }, 'response too large to store for previous_response_id');
      return;
    }
    await this.redis.set(KEY_PREFIX + record.response.id, json, 'EX', this.ttlSeconds);
  }

  /** The stored response with this id when `owner` created it; undefined otherwise (absent, expired, another key's). */
  async load(id: string, owner: string): Promise<StoredResponse | undefined> {
    const json = await this.redis.get(KEY_PREFIX + id);
    if (!json) return undefined;
    const record = JSON.parse(json) as StoredResponse;
    return record.owner === owner ? record : undefined;
  }

  /** Deletes the stored response with this id when `owner` created it; false when there was none to delete. */
  async delete(id: string, owner: string): Promise<boolean> {
    if (!(await this.load(id, owner))) return false;
    return (await this.redis.unlink(KEY_PREFIX + id)) > 0;
  }
}

/** The input items that continue a stored response: its conversation, then its output. */
export function conversationAfter(record: StoredResponse): ResponsesInputItem[] {
  return [...record.input, ...(record.response.output as unknown as ResponsesInputItem[])];
}
