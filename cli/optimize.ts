// `helix optimize [--by key|team] [--days 30] [--key <id>] [--team <id>] [--json]`: the cheaper-model suggestions and
// the savings report, computed from ClickHouse history with this config's prices (same as the gateway's
// GET /v1/helix/optimizer/suggestions, without needing a running gateway).
import type { HelixConfig } from '../lib/config.ts';
import { allFallbacks, PriceBook } from '../core/prices.ts';
import { formatUsd } from '../core/money.ts';
import { createAnalyticsReader } from '../clickhouse/reader.ts';
import { ModelFamilies } from '../core/optimizer/families.ts';
import { suggestions, type GroupBy } from '../core/optimizer/suggestions.ts';
import { savingsReport } from '../core/optimizer/savings.ts';
import { formatTable } from './format.ts';
import { flag } from './usage.ts';

export const OPTIMIZE_USAGE = `  optimize [--by key|team] [--days 30] [--key <id>] [--team <id>] [--json]
                           cheaper models with similar usage (estimated monthly saving) and the savings report`;

export async function optimizeCommand(args: string[], config: HelixConfig): Promise<number> {
  const groupBy = (flag(args, '--by') ?? 'key') as GroupBy;
  if (groupBy !== 'key' && groupBy !== 'team') throw new Error('--by takes key or team');
  const days = Number(flag(args, '--days') ?? 30);
  if (!Number.isInteger(days) || days < 1) throw new Error('--days takes a whole number of days (≥ 1)');
  const q = { groupBy, days, key: flag(args, '--key'), team: flag(args, '--team') };
  const families = new ModelFamilies(new PriceBook(config.model_list, allFallbacks(config.router_settings)));
  const reader = await createAnalyticsReader(config.env);
  try {
    const db = config.env.clickhouseDatabase;
    const [data, savings] = await Promise.all([suggestions(reader, db, families, q), savingsReport(reader, db, q)]);
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ data, savings }, null, 2)}\n`);
      return 0;
    }
    if (data.length === 0) process.stdout.write(`no cheaper model with similar usage found in the last ${days} days\n`);
    else {
      const rows = data.map((s) => ({ [groupBy]: s.scope, model: s.model, replacement: s.replacement, requests: s.requests, 'cost now': formatUsd(s.current_cost_usd), 'saving/month': formatUsd(s.estimated_monthly_saving_usd), confidence: s.confidence }));
      process.stdout.write(`${formatTable(Object.keys(rows[0]!), rows)}\n`);
    }
    process.stdout.write(
      `savings (last ${days} days): cache ${formatUsd(savings.cache_savings_usd)} (${savings.cache_hits} hits), swaps ${formatUsd(savings.swap_savings_usd)} (${savings.swapped_requests} requests), ` +
        `total ${formatUsd(savings.total_savings_usd)} = ${(savings.savings_rate * 100).toFixed(1)} % of ${formatUsd(savings.spend_usd + savings.total_savings_usd)}\n`,
    );
    return 0;
  } finally {
    await reader.close();
  }
}
