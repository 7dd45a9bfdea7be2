// The Cache page's reads: hit rate exact vs semantic (hits from v_cache_1m over requests from v_usage_1m), tokens
// saved (cache events, v_cache_1m), dollars saved (the ledger, v_spend_1m) and the similarity of semantic hits
// (cache_events). Range and bucket width are bound parameters (query-clauses.ts).
import { bucket, inRange } from './query-clauses.ts';

/** Similarity histogram bins per unit: 0.01 wide (rounded first, so 0.29 is not binned as 0.28). */
const BINS_PER_UNIT = 100;

const rate = (hits: string) => `if(requests = 0, 0, ${hits} / requests)`;

export const CACHE_QUERIES = {
  /** Requests, exact and semantic hits and their rates per bucket. */
  cache_rate: `SELECT t, requests, exact_hits, semantic_hits, ${rate('exact_hits')} AS exact_rate, ${rate('semantic_hits')} AS semantic_rate FROM (
      SELECT t, sum(r) AS requests, sum(e) AS exact_hits, sum(s) AS semantic_hits FROM (
        SELECT ${bucket}, requests AS r, toUInt64(0) AS e, toUInt64(0) AS s FROM v_usage_1m WHERE ${inRange}
        UNION ALL
        SELECT ${bucket}, toUInt64(0), exact_hits, semantic_hits FROM v_cache_1m WHERE ${inRange})
      GROUP BY t) ORDER BY t`,
  /** Tokens (cache events) and dollars (ledger) the cache saved per bucket. */
  cache_saved: `SELECT t, sum(tokens) AS saved_tokens, sum(usd) AS cache_saved_usd FROM (
      SELECT ${bucket}, saved_tokens AS tokens, toDecimal128(0, 9) AS usd FROM v_cache_1m WHERE ${inRange}
      UNION ALL
      SELECT ${bucket}, toUInt64(0), toDecimal128(cache_saved_usd, 9) FROM v_spend_1m WHERE ${inRange})
    GROUP BY t ORDER BY t`,
  /** The range's totals, one row. */
  cache_totals: `SELECT requests, exact_hits, semantic_hits, ${rate('exact_hits')} AS exact_rate, ${rate('semantic_hits')} AS semantic_rate,
      saved_prompt_tokens, saved_completion_tokens, saved_tokens, saved_latency_ms, cache_saved_usd,
      if(semantic_hits = 0, 0, similarity_sum / semantic_hits) AS avg_semantic_similarity
    FROM (SELECT
      (SELECT sum(requests) FROM v_usage_1m WHERE ${inRange}) AS requests,
      (SELECT sum(exact_hits) FROM v_cache_1m WHERE ${inRange}) AS exact_hits,
      (SELECT sum(semantic_hits) FROM v_cache_1m WHERE ${inRange}) AS semantic_hits,
      (SELECT sum(avg_semantic_similarity * semantic_hits) FROM v_cache_1m WHERE ${inRange}) AS similarity_sum,
      (SELECT sum(saved_prompt_tokens) FROM v_cache_1m WHERE ${inRange}) AS saved_prompt_tokens,
      (SELECT sum(saved_completion_tokens) FROM v_cache_1m WHERE ${inRange}) AS saved_completion_tokens,
      (SELECT sum(saved_tokens) FROM v_cache_1m WHERE ${inRange}) AS saved_tokens,
      (SELECT sum(saved_latency_ms) FROM v_cache_1m WHERE ${inRange}) AS saved_latency_ms,
      (SELECT sum(cache_saved_usd) FROM v_spend_1m WHERE ${inRange}) AS cache_saved_usd)`,
  /** Semantic hits per similarity bin (lower edge), from the raw hit events. */
  cache_similarity: `SELECT floor(round(similarity * ${BINS_PER_UNIT}, 6)) / ${BINS_PER_UNIT} AS bin, count() AS hits
    FROM cache_events
    WHERE hit = 'semantic' AND ts >= toStartOfInterval(now() - toIntervalSecond({range:UInt32}), toIntervalSecond({step:UInt32}))
    GROUP BY bin ORDER BY bin`,
};
