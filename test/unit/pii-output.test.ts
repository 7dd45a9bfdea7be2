// Output scanning (`scan_output`): whole responses, and streams whose values arrive split across deltas at every
// possible point, with bounded holdback; its place before `restore`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createChatStreamOutputScanner,
  createCompletionStreamOutputScanner,
  createOutputStreamScanner,
  createPolicy,
  createRestorer,
  MAX_HOLD,
  scanChatCompletionOutput,
  scanCompletionOutput,
  walkRequest,
  type Finding,
  type PiiPolicy,
} from '../../gateway/pii/index.ts';
import type { ChatCompletion, ChatCompletionChunk, Completion } from '../../core/llm.ts';

const EMAIL = 'john@example.com';
const policy = createPolicy({ scan_output: true, fingerprint_secret: 'output-test-secret-0123' });

function chatCompletion(content: string, args?: string): ChatCompletion {
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content };
  if (args !== undefined) message.tool_calls = [{ id: 'c1', type: 'function', function: { name: 'send', arguments: args } }];
  return { id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message, finish_reason: 'stop' }] };
}

describe('whole responses', () => {
  it('redacts message content and tool-call arguments (values and keys), reporting paths', () => {
    const completion = chatCompletion(`Write to ${EMAIL}.`, JSON.stringify({ to: EMAIL, [EMAIL]: 'card 4111 1111 1111 1111' }));
    const { completion: out, findings } = scanChatCompletionOutput(completion, policy);
    const message = out.choices[0]!.message;
    assert.equal(message.content, 'Write to <EMAIL_ADDRESS>.');
    assert.deepEqual(JSON.parse(message.tool_calls![0]!.function.arguments), { to: '<EMAIL_ADDRESS>', '<EMAIL_ADDRESS>': 'card <CREDIT_CARD>' });
    assert.deepEqual(
      findings.map((f) => f.location.path),
      [
        'choices[0].message.content',
        'choices[0].message.tool_calls[0].function.arguments#/to',
        'choices[0].message.tool_calls[0].function.arguments#/<EMAIL_ADDRESS>',
        'choices[0].message.tool_calls[0].function.arguments#/<EMAIL_ADDRESS>',
      ],
    );
    assert.equal(findings[0]!.location.role, 'assistant');
    assert.equal(completion.choices[0]!.message.content, `Write to ${EMAIL}.`, 'input not mutated');
  });

  it('returns the same object when nothing is found or output scanning is off', () => {
    const clean = chatCompletion('Nothing personal here.');
    assert.equal(scanChatCompletionOutput(clean, policy).completion, clean);
    const withPii = chatCompletion(`mail ${EMAIL}`);
    const off = scanChatCompletionOutput(withPii, createPolicy());
    assert.equal(off.completion, withPii);
    assert.deepEqual(off.findings, []);
  });

  it('applies mask; block and restore act as redact', () => {
    const text = `mail ${EMAIL}, card 4111 1111 1111 1111`;
    const masked = scanChatCompletionOutput(chatCompletion(text), createPolicy({ scan_output: true, action: 'mask' }));
    assert.equal(masked.completion.choices[0]!.message.content, 'mail j***@example.com, card ****-****-****-1111');
    for (const action of ['block', 'restore'] as const) {
      const r = scanChatCompletionOutput(chatCompletion(text), createPolicy({ scan_output: true, action }));
      assert.equal(r.completion.choices[0]!.message.content, 'mail <EMAIL_ADDRESS>, card <CREDIT_CARD>');
      assert.deepEqual(r.findings.map((f) => f.action), ['redact', 'redact']);
    }
  });

  it('scans legacy completion text', () => {
    const completion: Completion = { id: 'x', object: 'text_completion', created: 0, model: 'm', choices: [{ index: 0, text: `ssn 536-22-8174`, finish_reason: 'stop' }] };
    const r = scanCompletionOutput(completion, policy);
    assert.equal(r.completion.choices[0]!.text, 'ssn <US_SSN>');
    assert.equal(r.findings[0]!.location.path, 'choices[0].text');
  });

  it('runs before restore: the model’s PII is redacted, the client’s own values come back', () => {
    const restorePolicy = createPolicy({ scan_output: true, action: 'restore' });
    const request = walkRequest('openai.chat', { messages: [{ role: 'user', content: `I am ${EMAIL}` }] }, restorePolicy);
    const answer = chatCompletion('Hello <EMAIL_ADDRESS_1>, your manager is boss@example.com.');
    const scanned = scanChatCompletionOutput(answer, restorePolicy);
    const restored = createRestorer(request.vault).restoreText(scanned.completion.choices[0]!.message.content as string);
    assert.equal(restored, `Hello ${EMAIL}, your manager is <EMAIL_ADDRESS>.`);
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

function chunk(choices: ChatCompletionChunk['choices']): ChatCompletionChunk {
  return { id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices };
}

describe('streamed chat completions, chunk by chunk', () => {
  it('scans choices and tool calls separately and releases the rest with finish_reason', () => {
    const scanner = createChatStreamOutputScanner<ChatCompletionChunk>(policy);
    const chunks = [
      chunk([{ index: 0, delta: { role: 'assistant', content: 'Mail jo' }, finish_reason: null }]),
      chunk([{ index: 1, delta: { content: 'Card 4111 1111' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'hn@exa' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'send', arguments: '{"to":"jo' } }] }, finish_reason: null }]),
      chunk([{ index: 1, delta: { content: ' 1111 1111' }, finish_reason: 'stop' }]),
      chunk([{ index: 0, delta: { content: 'mple.com', tool_calls: [{ index: 0, function: { arguments: 'hn@example.com"}' } }] }, finish_reason: null }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ];
    const content = new Map<number, string>();
    let args = '';
    for (const c of chunks) {
      const out = scanner.scan(c);
      for (const choice of out.choices) {
        if (typeof choice.delta.content === 'string') content.set(choice.index, (content.get(choice.index) ?? '') + choice.delta.content);
        for (const call of choice.delta.tool_calls ?? []) args += call.function?.arguments ?? '';
        if (c.choices[0]!.delta.tool_calls?.[0]?.id) assert.equal(choice.delta.tool_calls![0]!.function!.name, 'send');
      }
    }
    assert.equal(content.get(0), 'Mail <EMAIL_ADDRESS>');
    assert.equal(content.get(1), 'Card <CREDIT_CARD>');
    assert.deepEqual(JSON.parse(args), { to: '<EMAIL_ADDRESS>' });
    assert.deepEqual(
      scanner.findings.map((f) => f.location.path).sort(),
      ['choices[0].delta.content', 'choices[0].delta.tool_calls[0].function.arguments', 'choices[1].delta.content'],
    );
    assert.equal(chunks[0]!.choices[0]!.delta.content, 'Mail jo', 'input chunks not mutated');
  });

  it('feeds the restorer: the client gets its own value back, the model’s PII stays redacted', () => {
    const restorePolicy = createPolicy({ scan_output: true, action: 'restore' });
    const request = walkRequest('openai.chat', { messages: [{ role: 'user', content: `I am ${EMAIL}` }] }, restorePolicy);
    const scanner = createChatStreamOutputScanner<ChatCompletionChunk>(restorePolicy);
    const restorer = createRestorer(request.vault).stream();
    let text = '';
    for (const [piece, finish] of [['Hi <EMAIL_', null], ['ADDRESS_1>, ask bo', null], ['ss@example.com', null], ['.', 'stop']] as const) {
      const out = scanner.scan(chunk([{ index: 0, delta: { content: piece }, finish_reason: finish }]));
      text += restorer.push(out.choices[0]!.delta.content as string);
    }
    assert.equal(text + restorer.flush(), `Hi ${EMAIL}, ask <EMAIL_ADDRESS>.`);
  });
});

describe('streamed legacy completions', () => {
  it('scans choices[].text and releases the rest with finish_reason', () => {
    const scanner = createCompletionStreamOutputScanner<Completion>(policy);
    const piece = (text: string, finish: string | null): Completion => ({ id: 'x', object: 'text_completion', created: 0, model: 'm', choices: [{ index: 0, text, finish_reason: finish }] });
    const out = ['ssn 536-2', '2-8174'].map((t, i, all) => scanner.scan(piece(t, i === all.length - 1 ? 'stop' : null)).choices[0]!.text).join('');
    assert.equal(out, 'ssn <US_SSN>');
    assert.equal(scanner.findings[0]!.location.path, 'choices[0].text');
  });
});
