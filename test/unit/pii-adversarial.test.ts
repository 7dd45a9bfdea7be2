// Linear time: inputs built to trigger catastrophic backtracking or quadratic rescans in naive recognizers must
// each be scanned (all entities, denylist on) well within 500 ms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from '../../gateway/pii/policy.ts';
import { walkRequest } from '../../gateway/pii/request-walker.ts';
import { scanText } from '../../gateway/pii/scanner.ts';

const policy = createPolicy({ denylist: ['project falcon', 'acme'], allowlist: ['@example.com'] });
const LIMIT_MS = 500;

function base64(bytes: number): string {
  // Deterministic pseudo-random bytes (xorshift), base64 encoded: letters, digits, '+', '/' — every recognizer's
  // character classes, no natural separators.
  const buf = Buffer.alloc(bytes);
  let x = 2463534242;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf.toString('base64');
}

const inputs: Array<[string, () => string]> = [
  ['200k digit run', () => '7'.repeat(200_000)],
  ['200k digits with single spaces', () => '1 2 3 4 5 6 7 8 9 0 '.repeat(10_000)],
  ['phone-like groups', () => '+49 151 2345 '.repeat(15_000)],
  ['a@a@a@… 100k', () => 'a@'.repeat(50_000)],
  ['dotted local parts before @', () => `${'a.'.repeat(50_000)}@${'b.'.repeat(50_000)}`],
  ['1 MB base64', () => base64(768 * 1024)],
  ['1 MB base64 after a secret cue', () => `api_key = ${base64(768 * 1024)}`],
  ['long whitespace runs', () => `${' '.repeat(300_000)}x${'\t\n '.repeat(100_000)}`],
  ['password: repeated', () => 'password: '.repeat(50_000)],
  ['password:" unterminated quotes', () => 'password:"'.repeat(50_000)],
  ['connection-string prefixes', () => 'postgres://user:'.repeat(30_000)],
  ['colon runs (IPv6 prefilter)', () => 'a:'.repeat(100_000)],
  ['dotted-quad runs', () => '1.2.'.repeat(100_000)],
  ['key/token/secret cues', () => 'token secret key auth bearer '.repeat(20_000)],
  ['PEM BEGIN without END', () => '-----BEGIN PRIVATE KEY-----\n'.repeat(20_000)],
  ['JWT-like prefixes', () => 'eyJhbGciOi.eyJ'.repeat(40_000)],
  ['sk- prefixes', () => 'sk-'.repeat(100_000)],
  ['IBAN heads', () => 'DE89 '.repeat(100_000)],
  ['denylist near-misses', () => 'acm '.repeat(100_000)],
  ['credential lists', () => `login: ${'a, Xy9!zzzz; '.repeat(40_000)}`],
  ['credential cues', () => 'login: admin:Xy9!zz root / Xy9!zz creds are '.repeat(10_000)],
  ['command-line flags', () => 'mysql -pXy9!zz sshpass -p x echo y | sudo -S '.repeat(10_000)],
  ['table headers', () => 'password,ssn\n'.repeat(50_000)],
  ['one long table', () => `ssn,password\n${'123456789,Xy9!zz\n'.repeat(30_000)}`],
  ['address:password combos', () => 'a@b.co:Xy9!zz '.repeat(40_000)],
  ['userinfo without scheme', () => 'u:Xy9!zz@h:'.repeat(40_000)],
  ['cue words of other scripts', () => 'пароль: パスワードは 密码 '.repeat(10_000)],
  ['words between a cue and its value', () => 'password for the wifi of the '.repeat(30_000)],
  ['cued unassigned phone numbers with extensions', () => 'call +44 7700 900123 x12, tel 0113 496 0123 ext. 7 '.repeat(10_000)],
  ['flags of no listed command beside user flags', () => '-u x -p '.repeat(25_000)],
  ['stdin flags on one line', () => '--password-stdin '.repeat(12_000)],
  ['credential file names without lines', () => '.secrets userlist .pgpass '.repeat(8_000)],
  ['strength questions and client calls', () => 'is Abc12345! strong enough how secure is Client("a", '.repeat(4_000)],
  ['user / pairs and webhook paths', () => 'user a / b hooks.slack.com/services/ api/webhooks/ '.repeat(4_000)],
];

describe('adversarial inputs scan in linear time', () => {
  // Warm up the JIT so the first case is not charged for compilation.
  scanText('warm up john@example.com +49 151 23456789 4111 1111 1111 1111 password: x1y2z3', policy);
  for (const [name, make] of inputs) {
    it(`${name} (< ${LIMIT_MS} ms)`, () => {
      const text = make();
      const t0 = performance.now();
      scanText(text, policy);
      const ms = performance.now() - t0;
      assert.ok(ms < LIMIT_MS, `${name}: ${ms.toFixed(1)} ms for ${text.length} chars`);
    });
  }
  it('a whole request of 1 MB is walked in < 500 ms', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: base64(400 * 1024) }, { role: 'user', content: 'a@'.repeat(100_000) }] };
    const t0 = performance.now();
    walkRequest('openai.chat', body, policy);
    assert.ok(performance.now() - t0 < LIMIT_MS);
  });
});
