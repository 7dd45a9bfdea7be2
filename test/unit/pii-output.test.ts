// Output scanning (`scan_output`): whole responses, and streams whose values arrive split across deltas at every
// possible point, with bounded holdback; its place before `restore`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOutputStreamScanner, MAX_HOLD } from '../../gateway/pii/output-stream.ts';
import { createPolicy, type PiiPolicy } from '../../gateway/pii/policy.ts';
import { walkRequest } from '../../gateway/pii/request-walker.ts';
import { createRestorer } from '../../gateway/pii/restore.ts';
import type { Finding } from '../../gateway/pii/types.ts';

const EMAIL = 'john@example.com';
const policy = createPolicy({ scan_output: true, fingerprint_secret: 'output-test-secret-0123' });

/** A whole answer as the scan-output stage scans it: one stream, pushed at once and flushed. */
function scanWhole(text: string, p: PiiPolicy, json = false): { text: string; findings: Finding[] } {
  const s = createOutputStreamScanner(p, { path: 'content', json });
  return { text: s.push(text) + s.flush(), findings: s.findings };
}

describe('whole answers', () => {
  it('redacts content and JSON tool-call arguments (values and keys), reporting the path', () => {
    const { text, findings } = scanWhole(`Write to ${EMAIL}.`, policy);
    assert.equal(text, 'Write to <EMAIL_ADDRESS>.');
    assert.equal(findings[0]!.location.path, 'content');
    const args = scanWhole(JSON.stringify({ to: EMAIL, [EMAIL]: 'card 4111 1111 1111 1111' }), policy, true);
    assert.deepEqual(JSON.parse(args.text), { to: '<EMAIL_ADDRESS>', '<EMAIL_ADDRESS>': 'card <CREDIT_CARD>' });
  });

  it('applies mask; block and restore act as redact', () => {
    const text = `mail ${EMAIL}, card 4111 1111 1111 1111`;
    assert.equal(scanWhole(text, createPolicy({ scan_output: true, action: 'mask' })).text, 'mail j***@example.com, card ****-****-****-1111');
    for (const action of ['block', 'restore'] as const) {
      const r = scanWhole(text, createPolicy({ scan_output: true, action }));
      assert.equal(r.text, 'mail <EMAIL_ADDRESS>, card <CREDIT_CARD>');
      assert.deepEqual(r.findings.map((f) => f.action), ['redact', 'redact']);
    }
  });

  it('runs before restore: the model’s PII is redacted, the client’s own values come back', () => {
    const restorePolicy = createPolicy({ scan_output: true, action: 'restore' });
    const request = walkRequest('openai.chat', { messages: [{ role: 'user', content: `I am ${EMAIL}` }] }, restorePolicy);
    const scanned = scanWhole('Hello <EMAIL_ADDRESS_1>, your manager is boss@example.com.', restorePolicy);
    assert.equal(createRestorer(request.vault).restoreText(scanned.text), `Hello ${EMAIL}, your manager is <EMAIL_ADDRESS>.`);
  });
});

/** Streams `pieces` through one scanner; returns what the client receives and the findings. */
function stream(pieces: readonly string[], p: PiiPolicy = policy, json = false): { out: string; findings: Finding[]; maxHeld: number } {
  const s = createOutputStreamScanner(p, { path: 'choices[0].delta.content', json });
  let out = '';
  let sent = 0;
  let maxHeld = 0;
  for (const piece of pieces) {
    out += s.push(piece);
    sent += piece.length;
    maxHeld = Math.max(maxHeld, sent - out.length);
  }
  return { out: out + s.flush(), findings: s.findings, maxHeld };
}

describe('streams: values split across deltas', () => {
  const cases: Array<[string, string, string]> = [
    ['email', `Contact ${EMAIL} today.`, 'Contact <EMAIL_ADDRESS> today.'],
    ['card in groups', 'Card 4111 1111 1111 1111 is valid.', 'Card <CREDIT_CARD> is valid.'],
    ['phone', 'Call +1 (415) 555-2671 now', 'Call <PHONE_NUMBER> now'],
    ['spaced SSN after its cue', 'ssn 536 22 8174 and more', 'ssn <US_SSN> and more'],
    ['IBAN', 'IBAN DE89 3704 0044 0532 0130 00 thanks', 'IBAN <IBAN_CODE> thanks'],
    ['API key', 'key sk-proj-Zq8RtYp3LmN0vB7cXw2KdJ9sAb12Cd34 end', 'key <API_KEY> end'],
    ['password after a cue', 'The password: Hunter2! works', 'The password: <PASSWORD> works'],
    ['fullwidth email', 'mail ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ ok', 'mail <EMAIL_ADDRESS> ok'],
    ['zero-width inside a card', 'card 4111\u200b 1111 1111 1111 ok', 'card <CREDIT_CARD> ok'],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name}: every single split point`, () => {
      for (let i = 0; i <= text.length; i++) {
        const { out } = stream([text.slice(0, i), text.slice(i)]);
        assert.equal(out, expected, `split at ${i}`);
      }
    });
  }

  it('email: every pair of split points (jo | hn@exa | mple.com)', () => {
    const text = `Contact ${EMAIL} today.`;
    for (let i = 1; i < text.length; i++) {
      for (let j = i + 1; j < text.length; j++) {
        const { out } = stream([text.slice(0, i), text.slice(i, j), text.slice(j)]);
        assert.equal(out, 'Contact <EMAIL_ADDRESS> today.', `splits at ${i}, ${j}`);
      }
    }
  });

  it('one character per delta, several values', () => {
    const text = `Mail ${EMAIL}, card 4111 1111 1111 1111,\nphone +49 151 23456789 and IP 10.20.30.40.`;
    const { out, findings } = stream([...text]);
    assert.equal(out, 'Mail <EMAIL_ADDRESS>, card <CREDIT_CARD>,\nphone <PHONE_NUMBER> and IP <IP_ADDRESS>.');
    assert.deepEqual(
      findings.map((f) => [f.entity, f.location.offset, f.location.length]),
      [
        ['EMAIL_ADDRESS', 5, EMAIL.length],
        ['CREDIT_CARD', text.indexOf('4111'), 19],
        ['PHONE_NUMBER', text.indexOf('+49'), 16],
        ['IP_ADDRESS', text.indexOf('10.20'), 11],
      ],
    );
  });

  it('a PEM private key streamed line by line is redacted whole', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----';
    for (let i = 1; i < pem.length; i += 7) assert.equal(stream([`key:\n${pem.slice(0, i)}`, `${pem.slice(i)}\ndone`]).out, 'key:\n<API_KEY>\ndone', `split at ${i}`);
  });

  it('tool-call arguments (JSON): redacted values keep the JSON valid', () => {
    const args = JSON.stringify({ to: EMAIL, note: 'call +1 415 555 2671', path: 'C:\\temp' });
    for (let i = 1; i < args.length; i++) {
      const { out } = stream([args.slice(0, i), args.slice(i)], policy, true);
      assert.deepEqual(JSON.parse(out), { to: '<EMAIL_ADDRESS>', note: 'call <PHONE_NUMBER>', path: 'C:\\temp' }, `split at ${i}`);
    }
  });
});

describe('streams: holdback', () => {
  it('a long stream without PII is released as it comes, holding back little', () => {
    const prose = 'The quick brown fox jumps over the lazy dog, while 42 engineers review release 2.3.1 on 2024-05-01. ';
    const text = prose.repeat(2000);
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += 4) pieces.push(text.slice(i, i + 4));
    const { out, findings, maxHeld } = stream(pieces);
    assert.equal(out, text);
    assert.deepEqual(findings, []);
    assert.ok(maxHeld <= 24, `held back up to ${maxHeld} chars`);
  });

  it('holds at most MAX_HOLD characters, however long a token grows', () => {
    const { out, maxHeld } = stream(Array.from({ length: 50_000 }, () => 'abcdefghij'));
    assert.equal(out.length, 500_000);
    assert.ok(maxHeld <= MAX_HOLD, `held ${maxHeld}`);
  });

  it('passes text through unchanged when output scanning is off', () => {
    const s = createOutputStreamScanner(createPolicy(), {});
    assert.equal(s.push(`jo`), 'jo');
    assert.equal(s.push(`hn@example.com`), 'hn@example.com');
  });
});

describe('streams and restore', () => {
  it('feeds the restorer: the client gets its own value back, the model’s PII stays redacted', () => {
    const restorePolicy = createPolicy({ scan_output: true, action: 'restore' });
    const request = walkRequest('openai.chat', { messages: [{ role: 'user', content: `I am ${EMAIL}` }] }, restorePolicy);
    const scanner = createOutputStreamScanner(restorePolicy, { path: 'choices[0].delta.content' });
    const restorer = createRestorer(request.vault).stream();
    let text = '';
    for (const piece of ['Hi <EMAIL_', 'ADDRESS_1>, ask bo', 'ss@example.com', '.']) text += restorer.push(scanner.push(piece));
    text += restorer.push(scanner.flush());
    assert.equal(text + restorer.flush(), `Hi ${EMAIL}, ask <EMAIL_ADDRESS>.`);
  });
});
