// The chaos table and the notes under it, and whether the run passed: no row may lose, duplicate or overspend, and
// Redis spend must equal the ledger's sum (else money was counted twice or not at all).
import { formatUsd, usdFromNano } from '../../core/money.ts';
import { table } from '../lib.ts';
import type { Row } from './run.ts';

const usd = (nano: number) => formatUsd(usdFromNano(nano));

export function failures(row: Row): string[] {
  const c = row.counts;
  if (row.skipped || !c) return [];
  const out: string[] = [];
  if (c.lost > 0) out.push(`${c.lost} lost`);
  if (c.duplicates > 0) out.push(`${c.duplicates} duplicated`);
  if (c.overspendNano > 0) out.push(`${usd(c.overspendNano)} overspent`);
  if (c.spendMismatchNano > 0) out.push(`Redis spend and ledger differ by ${usd(c.spendMismatchNano)}`);
  return out;
}

export function renderTable(rows: Row[]): string {
  return table(
    rows.map((r) => {
      const c = r.counts;
      if (r.skipped || !c) return { fault: r.fault, sent: 'skipped', ok: '', refused: '', failed: '', 'req rows': '', 'resp rows': '', ledger: '', lost: '', dup: '', 'Redis $': '', 'ledger $': '', overspend: '', 'recover s': '' };
      return {
        fault: r.fault,
        sent: c.sent,
        ok: c.ok,
        refused: c.refused,
        failed: c.failed,
        'req rows': c.requestRows,
        'resp rows': c.responseRows,
        ledger: c.ledgerRows,
        lost: c.lost,
        dup: c.duplicates,
        'Redis $': usd(c.redisSpendNano),
        'ledger $': usd(c.ledgerSpendNano),
        overspend: usd(c.overspendNano),
        'recover s': r.recoverS === undefined ? 'no' : r.recoverS.toFixed(1),
      };
    }),
  );
}

const reasons = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');

export function renderNotes(rows: Row[]): string {
  const lines: string[] = [];
  for (const r of rows) {
    const c = r.counts;
    if (r.skipped || !c) {
      lines.push(`${r.fault}: skipped — ${r.skipped ?? 'not run'}`);
      continue;
    }
    const parts = [...r.evidence];
    if (!r.felt) parts.push('THE FAULT DID NOT TAKE HOLD');
    if (c.refused) parts.push(`refused: ${reasons(c.refusedReasons)}`);
    if (c.failed) parts.push(`failed: ${reasons(c.failedReasons)}`);
    if (c.requestRowsMissing) parts.push(`${c.requestRowsMissing} answered without a request row`);
    if (!r.settled) parts.push(`did not settle within the wait (${r.settleS?.toFixed(0)} s)`);
    if (c.lostSamples.length) parts.push(`lost e.g. ${c.lostSamples.join('; ')}`);
    if (c.duplicateSamples.length) parts.push(`duplicated e.g. ${c.duplicateSamples.join('; ')}`);
    lines.push(`${r.fault}: ${parts.join('; ') || 'nothing to note'}`);
  }
  return lines.join('\n');
}
