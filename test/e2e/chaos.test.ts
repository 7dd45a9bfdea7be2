// The chaos run's short version (bench/chaos.ts --short, docs/chaos.md): Kafka, the consumers and the gateway killed
// with SIGKILL, Redis restarted, ClickHouse taken away, the spool filled to its quota, all under steady mixed traffic.
// Every row must read 0 lost, 0 duplicated, 0 overspent, with Redis spend equal to the ledger's sum — and every fault
// must have taken hold (a kill that hit nothing proves nothing). The run starts its own services.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.ts';
import type { Row } from '../../bench/chaos/run.ts';

const FAULTS = ['none (baseline)', 'kill -9 Kafka, restart', 'kill -9 consumers, restart', 'restart Redis', 'ClickHouse down, back', 'spool quota full', 'kill -9 gateway mid-stream, restart'];

describe('chaos (short)', () => {
  it('loses, duplicates and overspends nothing under any fault', { timeout: 12 * 60_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-chaos-test-'));
    const json = join(dir, 'chaos.json');
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/chaos.ts'), '--short', '--json', json, '--max-minutes', '10'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // Progress lines as they come: a slow CI machine shows where the time goes.
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    t.diagnostic(out);
    assert.notEqual(code, 2, `the chaos run failed to complete:\n${err.slice(-4000)}`);
    const { rows } = JSON.parse(readFileSync(json, 'utf8')) as { rows: Row[] };
    rmSync(dir, { recursive: true, force: true });

    assert.deepEqual(
      rows.map((r) => r.fault),
      FAULTS,
    );
    for (const row of rows) {
      // The spool's quota is only a row once the gateway applies helix_settings.events.spool_max_mb.
      if (row.skipped) {
        assert.equal(row.fault, 'spool quota full', `${row.fault} was skipped: ${row.skipped}`);
        t.diagnostic(`skipped: ${row.fault} — ${row.skipped}`);
        continue;
      }
      const c = row.counts!;
      assert.ok(row.felt, `${row.fault}: the fault took hold (${row.evidence.join('; ')})`);
      assert.ok(c.ok > 0, `${row.fault}: traffic was answered`);
      assert.equal(c.lost, 0, `${row.fault}: lost ${c.lost}: ${c.lostSamples.join('; ')}`);
      assert.equal(c.duplicates, 0, `${row.fault}: duplicated ${c.duplicates}: ${c.duplicateSamples.join('; ')}`);
      assert.equal(c.overspendNano, 0, `${row.fault}: overspent ${c.overspendNano} nano-USD`);
      assert.equal(c.redisSpendNano, c.ledgerSpendNano, `${row.fault}: Redis budget spend equals the ledger's sum ${c.mismatchClues.join('; ')}`);
      if (c.budgetedPaidOk > 0) assert.ok(c.redisSpendNano > 0, `${row.fault}: the budgeted keys spent something (${c.budgetedPaidOk} paid answers)`);
      assert.notEqual(row.recoverS, undefined, `${row.fault}: a probe's response row reached ClickHouse after the fault`);
    }
    assert.ok(rows.every((r) => r.skipped || r.counts!.budgetedPaidOk > 0), 'every row had budgeted requests answered by a provider');
    assert.equal(code, 0, 'the run passed by its own account');
  });
});
