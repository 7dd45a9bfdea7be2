// Token counting runs on the event loop (budget holds, TPM estimates, streaming, the mock provider): hostile text
// must be counted fast, and ordinary text must count exactly as OpenAI's o200k_base encoder does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { countTokens, EXACT_COUNT_MAX_CHARS, TokenCounter } from '../../lib/tokens.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';

const MiB = 1 << 20;
const reference = new Tiktoken(o200k);
const referenceCount = (text: string): number => reference.encode(text).length;

/** Deterministic pseudo-random integers in [0, n) (mulberry32). */
function seededRandom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

function randomText(length: number, pick: (random: (n: number) => number) => string): string {
  const random = seededRandom(length);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const part = pick(random);
    parts.push(part);
    size += part.length;
  }
  return parts.join('').slice(0, length);
}

const printable = (random: (n: number) => number): string => String.fromCharCode(33 + random(94));
const emojiOrCjk = (random: (n: number) => number): string =>
  random(2) ? String.fromCodePoint(0x1f300 + random(0x300)) : String.fromCharCode(0x4e00 + random(0x5000));

const ENGLISH = [
  'The quick brown fox jumps over the lazy dog.',
  "It's 9:45 a.m. on Tuesday, March 3rd, 2025 — we've shipped v2.13.1 (finally!) and the team's happy.",
  'Please summarize the following e-mail thread in three bullet points, keeping names and dates intact:\n\n',
  'Dear Dr. O’Brien,\n\tThank you for your letter of 12/04; the invoice #A-1093 totals $1,234.56 (incl. 20% VAT).\n',
  'function add(a, b) {\n  return a + b; // see https://example.com/docs?page=2&sort=asc\n}\n',
  'Naïve café owners in Zürich serve crème brûlée; 東京 and São Paulo are big cities. 🙂\r\n',
  'Mr. Smith said: "Don\'t worry -- we\'ll handle it tomorrow." She replied, "I\'m not so sure..."   ',
  '<|endoftext|> is just text inside a user message.',
];

describe('countTokens stays linear on hostile text', () => {
  const hostile: Record<string, string> = {
    'one letter': 'a'.repeat(MiB),
    'random non-space characters': randomText(MiB, printable),
    'emoji and CJK': randomText(MiB, emojiOrCjk),
    whitespace: ' \t'.repeat(MiB / 2),
  };
  countTokens('warm-up'); // loads the rank table outside the timings
  for (const [name, text] of Object.entries(hostile)) {
    it(`counts 1 MiB of ${name} in well under a second`, () => {
      const started = performance.now();
      const tokens = countTokens(text);
      const ms = performance.now() - started;
      console.log(`# ${name}: ${tokens} tokens in ${ms.toFixed(0)} ms`);
      assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
      assert.ok(tokens > 0);
    });
  }

  it('counts a request split into many big texts in about the time of one', () => {
    const text = randomText(EXACT_COUNT_MAX_CHARS, emojiOrCjk);
    const one = countTokens(text); // exact: within the allowance
    const messages = Array.from({ length: 30 }, () => ({ role: 'user' as const, content: text }));
    const started = performance.now();
    const tokens = countChatPromptTokens(messages);
    const ms = performance.now() - started;
    console.log(`# 30 messages of ${EXACT_COUNT_MAX_CHARS} emoji/CJK chars: ${tokens} tokens in ${ms.toFixed(0)} ms (one exactly: ${one})`);
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
    assert.ok(tokens >= 30 * one * 0.75 && tokens <= 30 * one * 1.5, `${tokens} vs ${30 * one}`);
  });

  it('counts texts exactly while a counter\'s allowance lasts', () => {
    const counter = new TokenCounter();
    for (const text of ENGLISH.slice(0, -1)) assert.equal(counter.count(text), referenceCount(text));
  });

  it('counts long runs close to the reference encoder, never below it', () => {
    for (const text of ['a'.repeat(3000), 'Z'.repeat(2000), '='.repeat(2500), randomText(3000, printable), randomText(1500, emojiOrCjk)]) {
      const expected = referenceCount(text);
      const tokens = countTokens(text);
      assert.ok(tokens >= expected && tokens <= expected * 1.1 + 2, `${JSON.stringify(text.slice(0, 12))}…: ${tokens} vs ${expected}`);
    }
  });
});

describe('countTokens on ordinary text', () => {
  it('equals the reference encoder for English prose, code, punctuation and Unicode', () => {
    for (const text of ENGLISH.slice(0, -1)) assert.equal(countTokens(text), referenceCount(text), JSON.stringify(text));
    const document = Array.from({ length: 2000 }, (_, i) => ENGLISH[i % (ENGLISH.length - 1)]).join('\n');
    assert.ok(document.length < EXACT_COUNT_MAX_CHARS);
    assert.equal(countTokens(document), referenceCount(document));
  });

  it('counts special-token strings as plain text instead of throwing', () => {
    const text = ENGLISH.at(-1)!;
    assert.equal(countTokens(text), reference.encode(text, [], []).length);
  });

  it('estimates text past the exact-count limit close to the real count', () => {
    const text = ENGLISH.slice(0, -1).join(' ').repeat(Math.ceil((2 * EXACT_COUNT_MAX_CHARS) / 500));
    const expected = referenceCount(text);
    const tokens = countTokens(text);
    assert.ok(Math.abs(tokens - expected) / expected < 0.05, `${tokens} vs ${expected}`);
  });

  it('estimates cheap text followed by costly text at no less than half its count', () => {
    const cheap = 'a'.repeat(EXACT_COUNT_MAX_CHARS);
    const costly = randomText(EXACT_COUNT_MAX_CHARS, emojiOrCjk);
    const real = countTokens(cheap) + countTokens(costly); // each within the exact-count limit
    const tokens = countTokens(cheap + costly);
    assert.ok(tokens >= real / 2, `${tokens} vs ${real}`);
  });

  it('counts the empty string as zero', () => {
    assert.equal(countTokens(''), 0);
  });
});
