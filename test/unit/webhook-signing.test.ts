// Webhook signatures: what we send verifies; a changed body, a wrong secret or an old timestamp does not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, ID_HEADER, signature, signedHeaders, verifySignature } from '../../consumers/webhooks/signing.ts';

const secret = 'whsec_test_0123456789abcdef';
const body = JSON.stringify({ id: 'a1', type: 'anomaly', anomaly: { kind: 'spend_spike' } });

describe('webhook signing', () => {
  it('is HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed v1=', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    assert.equal(signature(secret, 1700000000, body), `v1=${expected}`);
  });

  it('signed headers verify within the tolerance window', () => {
    const now = Date.now();
    const h = signedHeaders(secret, body, 'a1', 1, now);
    assert.equal(h[ID_HEADER], 'a1');
    assert.deepEqual(verifySignature(secret, body, { signature: h[SIGNATURE_HEADER], timestamp: h[TIMESTAMP_HEADER] }, { nowMs: now + 60_000 }), { ok: true });
  });

  it('rejects a tampered body, a wrong secret, a replay outside the window and missing headers', () => {
    const now = Date.now();
    const h = signedHeaders(secret, body, 'a1', 1, now);
    const headers = { signature: h[SIGNATURE_HEADER], timestamp: h[TIMESTAMP_HEADER] };
    assert.deepEqual(verifySignature(secret, body.replace('spend', 'token'), headers, { nowMs: now }), { ok: false, reason: 'bad signature' });
    assert.deepEqual(verifySignature('another-secret-000000', body, headers, { nowMs: now }), { ok: false, reason: 'bad signature' });
    assert.deepEqual(verifySignature(secret, body, headers, { nowMs: now + 301_000 }), { ok: false, reason: 'stale timestamp' });
    assert.deepEqual(verifySignature(secret, body, { signature: undefined, timestamp: h[TIMESTAMP_HEADER] }), { ok: false, reason: 'missing headers' });
  });

  it('accepts any of several signatures (secret rotation)', () => {
    const ts = Math.floor(Date.now() / 1000);
    const both = `${signature('old-secret-000000000', ts, body)},${signature(secret, ts, body)}`;
    assert.deepEqual(verifySignature(secret, body, { signature: both, timestamp: String(ts) }), { ok: true });
  });
});
