// Budget periods: LiteLLM's budget_duration forms and daily/weekly/monthly map to UTC-aligned periods whose ids
// every process computes alike; counter ids round-trip (replay relies on it); budgets per caller from config.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DAILY, LIFETIME, MONTHLY, WEEKLY, counterTtlSeconds, parseDuration, periodAt, periodFromId, specName } from '../../core/budgets/periods.ts';
import { budgetsFor, configBudgets, registeredBudget } from '../../core/budgets/scopes.ts';
import { budgetSettings } from '../../schemas/config/budgets.ts';

const at = (iso: string) => Date.parse(iso);

void describe('budget periods', () => {
  void it('parses durations', () => {
    assert.deepEqual(parseDuration(undefined), LIFETIME);
    assert.deepEqual(parseDuration('daily'), DAILY);
    assert.deepEqual(parseDuration('1d'), DAILY);
    assert.deepEqual(parseDuration('24h'), DAILY);
    assert.deepEqual(parseDuration('weekly'), WEEKLY);
    assert.deepEqual(parseDuration('7d'), WEEKLY);
    assert.deepEqual(parseDuration('1w'), WEEKLY);
    assert.deepEqual(parseDuration('monthly'), MONTHLY);
    assert.deepEqual(parseDuration('1mo'), MONTHLY);
    assert.equal(specName(parseDuration('30d')), 'd30');
    assert.equal(specName(parseDuration('30s')), 's30');
    assert.equal(specName(parseDuration('12h')), 's43200');
    assert.equal(specName(parseDuration('3mo')), 'mo3');
    assert.throws(() => parseDuration('soon'), /invalid budget_duration "soon"/);
    assert.throws(() => parseDuration('0d'), /invalid budget_duration/);
  });

  void it('aligns days to 00:00 UTC, weeks to Monday, months to the 1st', () => {
    const day = periodAt(DAILY, at('2026-11-27T13:45:00Z'));
    assert.equal(new Date(day.startMs).toISOString(), '2026-11-27T00:00:00.000Z');
    assert.equal(new Date(day.endMs).toISOString(), '2026-11-28T00:00:00.000Z');
    const week = periodAt(WEEKLY, at('2026-11-27T13:45:00Z')); // a Friday
    assert.equal(new Date(week.startMs).toISOString(), '2026-11-23T00:00:00.000Z');
    assert.equal(new Date(week.startMs).getUTCDay(), 1);
    const month = periodAt(MONTHLY, at('2026-12-31T23:59:59Z'));
    assert.equal(new Date(month.startMs).toISOString(), '2026-12-01T00:00:00.000Z');
    assert.equal(new Date(month.endMs).toISOString(), '2027-01-01T00:00:00.000Z');
    const quarter = periodAt(parseDuration('3mo'), at('2026-05-10T00:00:00Z'));
    assert.equal(new Date(quarter.startMs).toISOString(), '2026-04-01T00:00:00.000Z');
    assert.equal(new Date(quarter.endMs).toISOString(), '2026-07-01T00:00:00.000Z');
  });

  void it('resets: the next period is a new counter', () => {
    assert.notEqual(periodAt(DAILY, at('2026-11-27T23:59:59.999Z')).id, periodAt(DAILY, at('2026-11-28T00:00:00Z')).id);
    assert.equal(periodAt(DAILY, at('2026-11-27T00:00:00Z')).id, periodAt(DAILY, at('2026-11-27T23:59:59.999Z')).id);
    assert.equal(periodAt(LIFETIME, 0).id, periodAt(LIFETIME, at('2030-01-01T00:00:00Z')).id);
  });

  void it('round-trips counter ids (replay rebuilds TTLs from them)', () => {
    for (const d of ['1d', '7d', '1mo', '3mo', '30d', '30s', '12h', undefined]) {
      const p = periodAt(parseDuration(d), at('2026-11-27T13:45:00Z'));
      assert.deepEqual(periodFromId(p.id), p, `duration ${d}`);
    }
    assert.equal(periodFromId('nonsense'), undefined);
  });

  void it('keeps counters until the period ends plus a week; lifetime forever', () => {
    const now = at('2026-11-27T12:00:00Z');
    assert.equal(counterTtlSeconds(periodAt(DAILY, now), now), 12 * 3600 + 7 * 86_400);
    assert.equal(counterTtlSeconds(periodAt(LIFETIME, now), now), 0);
  });
});

void describe('budgets of a caller', () => {
  const settings = budgetSettings({ teams: { t1: { max_budget: 100, budget_duration: 'monthly' } }, users: { u1: { max_budget: 5 } }, global: { max_budget: 1000, budget_duration: '30d' } });

  void it('collects key, user, team and global budgets', () => {
    const budgets = budgetsFor({ keyId: 'key_1', alias: 'ci', userId: 'u1', teamId: 't1', maxBudget: 10, budgetDuration: '1d' }, settings);
    assert.deepEqual(
      budgets.map((b) => [b.scope, b.limitNano, b.duration, b.label]),
      [
        ['key:key_1', 10e9, '1d', 'key ci'],
        ['user:u1', 5e9, '', 'user u1'],
        ['team:t1', 100e9, 'monthly', 'team t1'],
        ['global', 1000e9, '30d', 'global'],
      ],
    );
    assert.deepEqual(budgetsFor({ keyId: 'key_2', userId: '', teamId: 'other' }, budgetSettings()), []);
  });

  void it('knows config budgets without a gateway, and key budgets from what a gateway registered', () => {
    assert.deepEqual([...configBudgets(settings).keys()], ['user:u1', 'team:t1', 'global']);
    const b = registeredBudget('key:key_1', { limit: '10000000000', dur: '1d', label: 'key ci' });
    assert.equal(b?.limitNano, 10e9);
    assert.equal(specName(b!.spec), 'd1');
    assert.equal(registeredBudget('key:x', { limit: 'NaN', dur: '' }), undefined);
  });
});
