// Actions (redact / mask / block / restore) and the restorer, incl. placeholders split across stream chunks at
// every possible offset and restoration inside JSON (tool-call arguments).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyActions, maskValue } from '../../gateway/pii/actions.ts';
import { createPolicy } from '../../gateway/pii/policy.ts';
import { createRestorer } from '../../gateway/pii/restore.ts';
import { scanText } from '../../gateway/pii/scanner.ts';
import type { PiiAction } from '../../gateway/pii/types.ts';
import { PiiVault } from '../../gateway/pii/vault.ts';

const TEXT = 'Mail jane.doe@example.com, card 4111 1111 1102 6467, phone +49 151 23456789, IBAN DE89 3704 0044 0532 0130 00.';

function run(action: PiiAction, text = TEXT) {
  const policy = createPolicy({ action });
  const vault = new PiiVault();
  const result = applyActions(text, scanText(text, policy), policy, vault);
  return { ...result, vault };
}

describe('redact', () => {
  it('replaces each value with its entity tag', () => {
    assert.equal(run('redact').text, 'Mail <EMAIL_ADDRESS>, card <CREDIT_CARD>, phone <PHONE_NUMBER>, IBAN <IBAN_CODE>.');
  });
});

describe('mask', () => {
  it('keeps the last 4 digits of cards and phones and the first letter of emails', () => {
    assert.equal(run('mask').text, 'Mail j***@example.com, card ****-****-****-6467, phone +** *** ****6789, IBAN DE** **** **** **** **30 00.');
  });
  it('masks each entity without revealing more than a short tail', () => {
    assert.equal(maskValue('CREDIT_CARD', '4111111111116467'), '****-****-****-6467');
    assert.equal(maskValue('US_SSN', '536-22-8174'), '***-**-8174');
    assert.equal(maskValue('IBAN_CODE', 'DE89370400440532013000'), 'DE****************3000');
    assert.equal(maskValue('IP_ADDRESS', '203.0.113.42'), '203.***.***.***');
    assert.equal(maskValue('PASSWORD', 'Hunter2!'), '********');
    assert.equal(maskValue('API_KEY', 'sk-proj-Zq8RtYp3LmN0vB7cXw2KdJ9s'), 'sk-proj-****dJ9s');
    assert.equal(maskValue('API_KEY', 'Zq8RtYp3LmN0vB7c'), '********');
  });
});

describe('block', () => {
  it('reports the action and still removes the value from the text', () => {
    const r = run('block');
    assert.ok(r.applied.every((a) => a.action === 'block'));
    assert.ok(!r.text.includes('jane.doe@example.com'));
    assert.ok(!r.text.includes('4111'));
  });
});

describe('restore', () => {
  it('gives the same value the same placeholder and numbers distinct values per entity', () => {
    const text = 'a@x.io then b@x.io then a@x.io';
    const r = run('restore', text);
    assert.equal(r.text, '<EMAIL_ADDRESS_1> then <EMAIL_ADDRESS_2> then <EMAIL_ADDRESS_1>');
    assert.equal(r.vault.original('<EMAIL_ADDRESS_2>'), 'b@x.io');
    assert.equal(r.vault.size, 2);
  });
  it('restores whole responses, leaving unknown placeholders alone', () => {
    const r = run('restore');
    const restorer = createRestorer(r.vault);
    assert.equal(restorer.restoreText(r.text), TEXT);
    assert.equal(restorer.restoreText('Hi <EMAIL_ADDRESS_9> and <EMAIL_ADDRESS_1>'), 'Hi <EMAIL_ADDRESS_9> and jane.doe@example.com');
  });
  it('never serializes originals from the vault', () => {
    const r = run('restore');
    assert.ok(!JSON.stringify({ vault: r.vault }).includes('jane.doe'));
  });
});

describe('streaming restorer', () => {
  const vault = new PiiVault();
  const email = vault.placeholderFor('EMAIL_ADDRESS', 'jane.doe@example.com');
  const card = vault.placeholderFor('CREDIT_CARD', '4111 1111 1102 6467');
  const model = `Sure! I wrote to ${email} <b>and</b> charged ${card}. Less-than: 3 < 4 and <EMAIL_ADDRESS_77>.`;
  const expected = 'Sure! I wrote to jane.doe@example.com <b>and</b> charged 4111 1111 1102 6467. Less-than: 3 < 4 and <EMAIL_ADDRESS_77>.';

  it('restores placeholders split across two chunks at every offset', () => {
    for (let cut = 0; cut <= model.length; cut++) {
      const s = createRestorer(vault).stream();
      const out = s.push(model.slice(0, cut)) + s.push(model.slice(cut)) + s.flush();
      assert.equal(out, expected, `cut at ${cut}`);
    }
  });
  it('restores when every character arrives in its own chunk, holding back less than one placeholder', () => {
    const restorer = createRestorer(vault);
    const s = restorer.stream();
    let out = '';
    for (let i = 0; i < model.length; i++) {
      out += s.push(model[i]!);
      // What was emitted is the restoration of a raw prefix that lags the input by less than a placeholder.
      let lag = -1;
      for (let k = i + 1; k >= 0 && k > i + 1 - vault.maxPlaceholderLength; k--) {
        if (restorer.restoreText(model.slice(0, k)) === out) {
          lag = i + 1 - k;
          break;
        }
      }
      assert.ok(lag >= 0 && lag < vault.maxPlaceholderLength, `after char ${i}: lag ${lag}`);
    }
    assert.equal(out + s.flush(), expected);
  });
  it('holds back nothing when the tail cannot start a placeholder', () => {
    const s = createRestorer(vault).stream();
    assert.equal(s.push('a < b and <div'), 'a < b and <div');
    assert.equal(s.push(' <EMAIL_AD'), ' ');
    assert.equal(s.push('DRESS_1>!'), 'jane.doe@example.com!');
    assert.equal(s.flush(), '');
  });
  it('emits a dangling partial placeholder at flush', () => {
    const s = createRestorer(vault).stream();
    assert.equal(s.push('end <CREDIT_'), 'end ');
    assert.equal(s.flush(), '<CREDIT_');
  });
});

describe('JSON restoration (tool-call arguments)', () => {
  const vault = new PiiVault();
  const tricky = 'pa"ss\\word\n€';
  const p = vault.placeholderFor('PASSWORD', tricky);
  const e = vault.placeholderFor('EMAIL_ADDRESS', 'jane@example.com');
  const args = JSON.stringify({ to: e, password: p, note: `send ${e}` });

  it('escapes originals so the arguments stay valid JSON', () => {
    const restored = createRestorer(vault).restoreJsonString(args);
    assert.deepEqual(JSON.parse(restored), { to: 'jane@example.com', password: tricky, note: 'send jane@example.com' });
  });
  it('does the same for streamed argument deltas split at every offset', () => {
    for (let cut = 0; cut <= args.length; cut++) {
      const s = createRestorer(vault).stream({ json: true });
      const out = s.push(args.slice(0, cut)) + s.push(args.slice(cut)) + s.flush();
      assert.deepEqual(JSON.parse(out), { to: 'jane@example.com', password: tricky, note: 'send jane@example.com' }, `cut at ${cut}`);
    }
  });
  it('restores parsed tool inputs (Anthropic tool_use.input) without touching the input object', () => {
    const input = { to: e, nested: [{ pw: p }], n: 3 };
    const out = createRestorer(vault).restoreDeep(input);
    assert.deepEqual(out, { to: 'jane@example.com', nested: [{ pw: tricky }], n: 3 });
    assert.equal(input.to, e);
  });
});
