// Who a request is attributed to beyond its key: the end user (OpenAI's `user` field, Anthropic's
// `metadata.user_id`) and its tags (`metadata.tags`, the `x-helix-tags` header). Carried by the request, response,
// cache and ledger events. Optional, so events from producers that predate them stay valid; ClickHouse fills the
// column defaults ('' and []), migration 0018.
import { Type } from '@sinclair/typebox';
import { LIMITS } from '../api/bounds.ts';
import { col, str } from '../columns.ts';

export const attribution = {
  end_user: Type.Optional(str()),
  tags: Type.Optional(col(Type.Array(Type.String()), 'Array(LowCardinality(String))')),
};

/** Bounds of the client-given values (the gateway refuses more with a 400 naming the field). */
export const ATTRIBUTION_LIMITS = {
  endUserChars: LIMITS.userChars,
  tags: 32,
  tagChars: 64,
} as const;
