// Matching on Unicode-normalized text: fullwidth forms, invisible format characters, combining marks, other
// scripts' digits and lookalike dashes must not hide a value, and replacements cover the whole original span.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchingView } from '../../gateway/pii/normalize.ts';
import { createPolicy, type PiiPolicy } from '../../gateway/pii/policy.ts';
import { walkRequest } from '../../gateway/pii/request-walker.ts';
import { createRestorer } from '../../gateway/pii/restore.ts';
import { scanText } from '../../gateway/pii/scanner.ts';

const SECRET = 'normalization-test-secret-01';
const policy = createPolicy({ fingerprint_secret: SECRET });

function redact(text: string, p: PiiPolicy = policy) {
  const r = walkRequest('openai.completions', { prompt: text }, p);
  return { text: r.body.prompt as string, findings: r.findings };
}

describe('lookalike characters', () => {
  const cases: Array<[string, string, string]> = [
    ['fullwidth card digits', 'card ４１１１ １１１１ １１１１ １１１１ ok', 'card <CREDIT_CARD> ok'],
    ['fullwidth phone', 'call ５５５-１２３-４５６７ now', 'call <PHONE_NUMBER> now'],
    ['fullwidth brackets and dash in a phone', 'call （４１５） ５５５－２６７１', 'call <PHONE_NUMBER>'],
    ['fullwidth at sign', 'mail john＠example.com now', 'mail <EMAIL_ADDRESS> now'],
    ['small commercial at', 'mail john﹫example.com now', 'mail <EMAIL_ADDRESS> now'],
    ['fullwidth SSN', 'ssn ５３６-２２-８１７４', 'ssn <US_SSN>'],
    ['fullwidth IBAN', 'IBAN ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００.', 'IBAN <IBAN_CODE>.'],
    ['fullwidth IP', 'host １０．２０．３０．４０ down', 'host <IP_ADDRESS> down'],
    ['mathematical bold digits', 'card 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 ok', 'card <CREDIT_CARD> ok'],
    ['Arabic-Indic digits', 'card ٤١١١ ١١١١ ١١١١ ١١١١ ok', 'card <CREDIT_CARD> ok'],
    ['en dashes in a phone', 'call (415) 555–2671 now', 'call <PHONE_NUMBER> now'],
    ['no-break spaces in a card', 'card 4111\u00a01111\u00a01111\u00a01111 ok', 'card <CREDIT_CARD> ok'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(redact(input).text, expected));
  }
});

describe('invisible characters inside values', () => {
  const cases: Array<[string, string, string]> = [
    ['zero-width space in an email', 'mail john\u200b@example.com now', 'mail <EMAIL_ADDRESS> now'],
    ['zero-width space in an SSN', 'ssn 536-22\u200b-8174 ok', 'ssn <US_SSN> ok'],
    ['zero-width joiners in a card', 'card 4111\u200d1111\u200d1111\u200d1111 ok', 'card <CREDIT_CARD> ok'],
    ['word joiner in a phone', 'call +1 415\u2060 555 2671', 'call <PHONE_NUMBER>'],
    ['soft hyphens in an email', 'mail jo\u00adhn@exam\u00adple.com now', 'mail <EMAIL_ADDRESS> now'],
    ['byte order mark in an API key', 'key sk-proj-Zq8RtYp3\ufeffLmN0vB7cXw2KdJ9sAb12Cd34 end', 'key <API_KEY> end'],
    ['bidi isolate around an IBAN', 'IBAN \u2066DE89 3704 0044 0532 0130 00\u2069.', 'IBAN \u2066<IBAN_CODE>\u2069.'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(redact(input).text, expected));
  }

  it('reports the original span, invisible characters included', () => {
    const text = 'mail john\u200b@example.com now';
    const [f] = redact(text).findings;
    assert.equal(f!.location.offset, 5);
    assert.equal(f!.location.length, 'john\u200b@example.com'.length);
  });
});

describe('combining characters', () => {
  it('drops marks drawn over digits (underline, strike-through)', () => {
    assert.equal(redact('card 4\u0332111 1111 1111 1111 ok').text, 'card <CREDIT_CARD> ok');
    const struck = [...'536-22-8174'].map((c) => `${c}\u0336`).join('');
    assert.equal(redact(`ssn ${struck} ok`).text, 'ssn <US_SSN> ok');
  });
  it('composes a decomposed accent, and the replacement covers base and mark', () => {
    const text = 'mail jose\u0301@example.com now';
    const r = redact(text);
    assert.equal(r.text, 'mail <EMAIL_ADDRESS> now');
    assert.deepEqual([r.findings[0]!.location.offset, r.findings[0]!.location.length], [5, 'jose\u0301@example.com'.length]);
  });
  it('keeps accented letters of the address (composed or not) inside the replacement', () => {
    assert.equal(redact('mail josé@example.com now').text, 'mail <EMAIL_ADDRESS> now');
  });
  it('stays linear on long runs of marks', () => {
    const zalgo = `a${'\u0301\u0316\u0336'.repeat(100_000)} card 4111 1111 1111 1111`;
    const t0 = performance.now();
    assert.equal(redact(zalgo).text.endsWith('card <CREDIT_CARD>'), true);
    assert.ok(performance.now() - t0 < 2_000);
  });
});

describe('expanding normalization maps back to the original span', () => {
  it('an ﬁ ligature before an email shifts nothing', () => {
    const text = 'ﬁle it: john@example.com.';
    const r = redact(text);
    assert.equal(r.text, 'ﬁle it: <EMAIL_ADDRESS>.');
    assert.equal(r.findings[0]!.location.offset, text.indexOf('john'));
    assert.equal(r.findings[0]!.location.length, 'john@example.com'.length);
  });
  it('a ligature inside the value is replaced whole', () => {
    assert.equal(redact('write to oﬃce@example.com today').text, 'write to <EMAIL_ADDRESS> today');
  });
  it('many expansions before a value', () => {
    const text = `${'ﬃ ㈱ ½ '.repeat(50)}ssn 536-22-8174 end`;
    assert.equal(redact(text).text, `${'ﬃ ㈱ ½ '.repeat(50)}ssn <US_SSN> end`);
  });
  it('the view exposes the mapping', () => {
    const view = matchingView('ﬁ: ４１');
    assert.equal(view.text, 'fi: 41');
    assert.deepEqual(view.toOriginal(1, 2), [0, 1]);
    assert.deepEqual(view.toOriginal(4, 6), [3, 5]);
  });
  it('text with nothing to fold is its own view', () => {
    for (const text of ['plain ASCII', 'Größe €5, Ärger, naïve café', '我们的服务']) assert.equal(matchingView(text).changed, false);
    assert.deepEqual(scanText('Größe: jörg@example.com', policy).map((d) => [d.start, d.end]), [[7, 23]]);
  });
});

describe('values are compared in their normalized form', () => {
  it('fingerprints are equal for lookalike spellings of one value', () => {
    const fp = (text: string) => redact(text).findings[0]!.fingerprint;
    const plain = fp('mail john@example.com');
    assert.equal(fp('mail john＠example.com'), plain);
    assert.equal(fp('mail john\u200b@example.com'), plain);
    assert.equal(fp('mail ＪＯＨＮ@example.com'), plain);
    assert.notEqual(fp('mail jane@example.com'), plain);
  });
  it('masks from the normalized value', () => {
    assert.equal(redact('mail john＠example.com', createPolicy({ action: 'mask' })).text, 'mail j***@example.com');
    assert.equal(redact('card ４１１１ １１１１ １１１１ １１１１', createPolicy({ action: 'mask' })).text, 'card ****-****-****-1111');
  });
  it('restores exactly what the client wrote', () => {
    const text = 'mail john\u200b＠example.com';
    const r = walkRequest('openai.completions', { prompt: text }, createPolicy({ action: 'restore' }));
    assert.equal(r.body.prompt, 'mail <EMAIL_ADDRESS_1>');
    assert.equal(createRestorer(r.vault).restoreText(r.body.prompt), text);
  });
  it('allowlists and denylists match lookalike spellings', () => {
    const p = createPolicy({ allowlist: ['@example.com'], denylist: ['acme'] });
    assert.equal(redact('mail john＠example.com about ＡＣＭＥ and a\u200bcme', p).text, 'mail john＠example.com about <DENYLIST> and <DENYLIST>');
  });
});

describe('normalization stays linear', () => {
  const inputs: Array<[string, () => string]> = [
    ['500k zero-width spaces', () => '\u200b'.repeat(500_000)],
    ['200k fullwidth digits', () => '４'.repeat(200_000)],
    ['zero-width between every digit', () => '4\u200b'.repeat(100_000)],
    ['ligatures', () => 'ﬃ'.repeat(200_000)],
  ];
  for (const [name, make] of inputs) {
    // Linear, not quadratic: a quadratic pass over these inputs takes minutes; the bound leaves room for a busy machine.
    it(`${name} (< 2 s)`, () => {
      const text = make();
      const t0 = performance.now();
      scanText(text, policy);
      assert.ok(performance.now() - t0 < 2_000, `${name}: ${(performance.now() - t0).toFixed(0)} ms`);
    });
  }
});

describe('characters outside the BMP', () => {
  it('a lone surrogate seen earlier does not hide later astral digits', () => {
    scanText('\ud835 \udfcf', policy);
    const dense = `${'é'.repeat(20)} card 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 ok`;
    assert.equal(redact(dense).text, `${'é'.repeat(20)} card <CREDIT_CARD> ok`);
  });
});
