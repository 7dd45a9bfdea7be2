// Where webhooks may go: http(s) only, never metadata or link-local addresses (literal, mapped or by name),
// loopback only with the explicit flag, private ranges per config, explicit CIDRs override.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classify, createTargetGuard, TargetRefused } from '../../consumers/webhooks/address-guard.ts';

const strict = createTargetGuard({ allowLoopback: false, allowPrivateNetworks: true, allowCidrs: [] });
const refused = (guard: ReturnType<typeof createTargetGuard>, url: string) => assert.throws(() => guard.checkUrl(url), TargetRefused, url);

describe('webhook target guard', () => {
  it('classifies addresses', () => {
    assert.equal(classify('169.254.169.254'), 'metadata');
    assert.equal(classify('fd00:ec2::254'), 'metadata');
    assert.equal(classify('169.254.10.1'), 'link-local');
    assert.equal(classify('fe80::1'), 'link-local');
    assert.equal(classify('::ffff:169.254.169.254'), 'metadata');
    assert.equal(classify('127.0.0.1'), 'loopback');
    assert.equal(classify('::1'), 'loopback');
    assert.equal(classify('10.1.2.3'), 'private');
    assert.equal(classify('0.0.0.0'), 'unspecified');
    assert.equal(classify('93.184.216.34'), 'public');
  });

  it('refuses non-http schemes, metadata and link-local targets and credentials in URLs', () => {
    for (const url of [
      'file:///etc/passwd',
      'gopher://example.com/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:169.254.169.254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://169.254.1.1:8080/hook',
      'http://0.0.0.0/',
      'https://user:pass@example.com/hook',
    ]) {
      refused(strict, url);
    }
  });

  it('refuses loopback unless explicitly allowed (tests)', () => {
    refused(strict, 'http://127.0.0.1:9000/hook');
    refused(strict, 'http://localhost:9000/hook');
    refused(strict, 'http://[::1]:9000/hook');
    const loopbackOk = createTargetGuard({ allowLoopback: true, allowPrivateNetworks: true, allowCidrs: [] });
    assert.equal(loopbackOk.checkUrl('http://127.0.0.1:9000/hook').port, '9000');
    refused(loopbackOk, 'http://169.254.169.254/');
  });

  it('private ranges follow the config; an explicit CIDR wins', () => {
    assert.ok(strict.checkUrl('https://10.0.0.5/hook'));
    const noPrivate = createTargetGuard({ allowLoopback: false, allowPrivateNetworks: false, allowCidrs: ['192.168.7.0/24'] });
    refused(noPrivate, 'https://10.0.0.5/hook');
    assert.ok(noPrivate.checkUrl('https://192.168.7.9/hook'));
    assert.ok(strict.checkUrl('https://hooks.example.com/x?token=1'));
  });

  it('checks what a name resolves to at connect time', async () => {
    const err = await new Promise<Error | null>((resolve) => strict.lookup('localhost', { all: true }, (e) => resolve(e)));
    assert.ok(err instanceof TargetRefused, 'localhost resolves to loopback: refused by the agent lookup');
    const loopbackOk = createTargetGuard({ allowLoopback: true, allowPrivateNetworks: true, allowCidrs: [] });
    const ok = await new Promise<Error | null>((resolve) => loopbackOk.lookup('localhost', { all: true }, (e) => resolve(e)));
    assert.equal(ok, null);
  });
});
