// Request walkers for every body shape, findings (location, value-free, stable fingerprints), allow/deny lists,
// settings resolution, and the fail-closed guard.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvePiiSettings, validatePiiSettings } from '../../schemas/config/pii.ts';
import { guardRequest } from '../../gateway/pii/guard.ts';
import { createOutputStreamScanner } from '../../gateway/pii/output-stream.ts';
import { compilePolicy, createPolicy } from '../../gateway/pii/policy.ts';
import { requestKindForPath, walkRequest } from '../../gateway/pii/request-walker.ts';
import { createRestorer } from '../../gateway/pii/restore.ts';
import type { Recognizer } from '../../gateway/pii/types.ts';

const EMAIL = 'jane.doe@acme-corp.com';
const CARD = '4111 1111 1111 1111';
const PASSWORD = 'Tr0ub4dor&3';
const SECRET = 'fingerprint-test-secret-0123';
const policy = createPolicy({ fingerprint_secret: SECRET });

const deepFreeze = <T>(v: T): T => {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
};

function chatBody() {
  return deepFreeze({
    model: 'gpt-4o',
    stream: true,
    messages: [
      { role: 'system', content: `Escalate to ${EMAIL}.` },
      { role: 'user', content: [{ type: 'text', text: `Charge ${CARD} please` }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'login', arguments: JSON.stringify({ user: 'ops', password: PASSWORD, cc: EMAIL }) } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: `Logged in as ${EMAIL}` },
    ],
  });
}

describe('OpenAI chat walker', () => {
  it('rewrites every role, multi-part text and tool-call arguments, without mutating the input', () => {
    const body = chatBody();
    const before = JSON.stringify(body);
    const r = walkRequest('openai.chat', body, policy);
    assert.equal(JSON.stringify(body), before);
    assert.notEqual(r.body, body);
    const out = JSON.stringify(r.body);
    for (const raw of [EMAIL, CARD, PASSWORD]) assert.ok(!out.includes(raw), `${raw} removed`);
    assert.equal(r.body.messages[0]!.content, 'Escalate to <EMAIL_ADDRESS>.');
    assert.deepEqual(r.body.messages[1]!.content, [{ type: 'text', text: 'Charge <CREDIT_CARD> please' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }]);
    assert.deepEqual(JSON.parse(r.body.messages[2]!.tool_calls![0]!.function.arguments), { user: 'ops', password: '<PASSWORD>', cc: '<EMAIL_ADDRESS>' });
    assert.equal(r.body.messages[3]!.content, 'Logged in as <EMAIL_ADDRESS>');
    assert.equal(r.body.stream, true);
    assert.equal(r.changed, true);
  });

  it('reports where each value was, never the value', () => {
    const r = walkRequest('openai.chat', chatBody(), policy);
    const summary = r.findings.map((f) => [f.entity, f.location.path, f.location.messageIndex, f.location.role, f.location.offset, f.location.length]);
    assert.deepEqual(summary, [
      ['EMAIL_ADDRESS', 'messages[0].content', 0, 'system', 12, EMAIL.length],
      ['CREDIT_CARD', 'messages[1].content[0].text', 1, 'user', 7, CARD.length],
      ['PASSWORD', 'messages[2].tool_calls[0].function.arguments#/password', 2, 'assistant', 0, PASSWORD.length],
      ['EMAIL_ADDRESS', 'messages[2].tool_calls[0].function.arguments#/cc', 2, 'assistant', 0, EMAIL.length],
      ['EMAIL_ADDRESS', 'messages[3].content', 3, 'tool', 13, EMAIL.length],
    ]);
    const serialized = JSON.stringify(r.findings);
    for (const raw of [EMAIL, CARD, PASSWORD, '4111', 'jane']) assert.ok(!serialized.includes(raw), `findings leak ${raw}`);
  });

  it('fingerprints are keyed HMACs: stable across requests and formats, different per value and per key', () => {
    const a = walkRequest('openai.chat', chatBody(), policy).findings;
    const b = walkRequest('openai.chat', chatBody(), createPolicy({ fingerprint_secret: SECRET })).findings;
    assert.deepEqual(a.map((f) => f.fingerprint), b.map((f) => f.fingerprint));
    for (const f of a) assert.match(f.fingerprint, /^[0-9a-f]{32}$/);
    const emails = a.filter((f) => f.entity === 'EMAIL_ADDRESS').map((f) => f.fingerprint);
    assert.equal(new Set(emails).size, 1, 'same email → same fingerprint');
    const other = walkRequest('openai.chat', chatBody(), createPolicy({ fingerprint_secret: 'another-secret-0123456' })).findings;
    assert.notEqual(other[0]!.fingerprint, a[0]!.fingerprint);
    const dashed = walkRequest('openai.completions', { prompt: 'card 4111-1111-1111-1111' }, policy).findings[0]!;
    assert.equal(dashed.fingerprint, a[1]!.fingerprint, 'card fingerprint ignores separators');
  });

  it('reads the fingerprint key from the configured environment variable', () => {
    const fromEnv = compilePolicy(resolvePiiSettings({ hmac_secret_env: 'MY_PII_KEY' }), { env: { MY_PII_KEY: SECRET } });
    assert.equal(fromEnv.fingerprintKeySource, 'configured');
    const fp = walkRequest('openai.completions', { prompt: EMAIL }, fromEnv).findings[0]!.fingerprint;
    assert.equal(fp, walkRequest('openai.completions', { prompt: EMAIL }, policy).findings[0]!.fingerprint);
    assert.equal(compilePolicy(resolvePiiSettings(), { env: {} }).fingerprintKeySource, 'ephemeral');
  });

  it('mask-and-restore round-trips: the provider sees placeholders, the client gets its text back', () => {
    const restorePolicy = createPolicy({ action: 'restore' });
    const r = walkRequest('openai.chat', chatBody(), restorePolicy);
    const sent = JSON.stringify(r.body);
    assert.ok(!sent.includes(EMAIL) && sent.includes('<EMAIL_ADDRESS_1>'));
    const restorer = createRestorer(r.vault);
    assert.equal(restorer.restoreText(r.body.messages[0]!.content as string), `Escalate to ${EMAIL}.`);
    const args = r.body.messages[2]!.tool_calls![0]!.function.arguments;
    assert.deepEqual(JSON.parse(restorer.restoreJsonString(args)), { user: 'ops', password: PASSWORD, cc: EMAIL });
  });

  it('blocks per entity and names only entity types', () => {
    const blockPolicy = createPolicy({ entity_actions: { CREDIT_CARD: 'block', PASSWORD: 'block' } });
    const r = walkRequest('openai.chat', chatBody(), blockPolicy);
    assert.equal(r.blocked, true);
    assert.deepEqual(r.blockedEntities, ['CREDIT_CARD', 'PASSWORD']);
    const g = guardRequest('openai.chat', chatBody(), blockPolicy);
    assert.equal(g.outcome, 'block');
    if (g.outcome !== 'block') return;
    assert.equal(g.error.status, 400);
    assert.equal(g.error.code, 'pii_detected');
    assert.match(g.error.message, /CREDIT_CARD, PASSWORD/);
    assert.ok(!g.error.message.includes('4111'));
  });

  it('leaves bodies without PII equal and reports nothing', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'Explain S3 vs EKS pricing for 2024.' }] };
    const r = walkRequest('openai.chat', body, policy);
    assert.deepEqual(r.body, body);
    assert.deepEqual(r.findings, []);
    assert.equal(r.changed, false);
  });
});

describe('completions and embeddings walkers', () => {
  it('scans prompt as string or list and leaves token arrays alone', () => {
    const r = walkRequest('openai.completions', { model: 'm', prompt: [`to ${EMAIL}`, 'nothing'], suffix: `pw: ${PASSWORD}` }, policy);
    assert.deepEqual(r.body.prompt, ['to <EMAIL_ADDRESS>', 'nothing']);
    assert.equal(r.body.suffix, 'pw: <PASSWORD>');
    assert.equal(r.findings[0]!.location.path, 'prompt[0]');
    const tokens = [[1, 2, 3], [4, 5]];
    assert.deepEqual(walkRequest('openai.completions', { prompt: tokens }, policy).body.prompt, tokens);
  });
  it('scans embeddings input as string or list', () => {
    assert.equal(walkRequest('openai.embeddings', { input: `mail ${EMAIL}` }, policy).body.input, 'mail <EMAIL_ADDRESS>');
    const r = walkRequest('openai.embeddings', { input: ['a', `card ${CARD}`, [1, 2]] }, policy);
    assert.deepEqual(r.body.input, ['a', 'card <CREDIT_CARD>', [1, 2]]);
    assert.equal(r.findings[0]!.location.path, 'input[1]');
  });
});

describe('Anthropic messages walker', () => {
  it('scans system (string and blocks), text, tool_use.input, tool_result and leaves thinking untouched', () => {
    const thinking = { type: 'thinking', thinking: `I should email ${EMAIL}`, signature: 'sig' };
    const body = deepFreeze({
      model: 'claude',
      system: [{ type: 'text', text: `Owner: ${EMAIL}` }],
      messages: [
        { role: 'user', content: `My card is ${CARD}` },
        {
          role: 'assistant',
          content: [thinking, { type: 'text', text: 'Logging in.' }, { type: 'tool_use', id: 't1', name: 'login', input: { user: 'ops', password: PASSWORD, meta: { to: [EMAIL] } } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: `welcome ${EMAIL}` }] }] },
      ],
    });
    const r = walkRequest('anthropic.messages', body, policy);
    const b = r.body as unknown as { system: Array<{ text: string }>; messages: Array<{ content: unknown }> };
    assert.equal(b.system[0]!.text, 'Owner: <EMAIL_ADDRESS>');
    assert.equal(b.messages[0]!.content, 'My card is <CREDIT_CARD>');
    const assistant = b.messages[1]!.content as Array<Record<string, unknown>>;
    assert.equal(assistant[0], thinking);
    assert.deepEqual(assistant[2]!.input, { user: 'ops', password: '<PASSWORD>', meta: { to: ['<EMAIL_ADDRESS>'] } });
    assert.deepEqual(b.messages[2]!.content, [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'welcome <EMAIL_ADDRESS>' }] }]);
    assert.deepEqual(
      r.findings.map((f) => f.location.path),
      ['system[0].text', 'messages[0].content', 'messages[1].content[2].input/password', 'messages[1].content[2].input/meta/to/0', 'messages[2].content[0].content[0].text'],
    );
    assert.equal(walkRequest('anthropic.messages', { system: `x ${EMAIL}`, messages: [] }, policy).body.system, 'x <EMAIL_ADDRESS>');
  });
});

describe('request kinds', () => {
  it('maps endpoint paths to walkers', () => {
    assert.equal(requestKindForPath('/v1/chat/completions'), 'openai.chat');
    assert.equal(requestKindForPath('/v1/completions?x=1'), 'openai.completions');
    assert.equal(requestKindForPath('/v1/embeddings'), 'openai.embeddings');
    assert.equal(requestKindForPath('/v1/messages'), 'anthropic.messages');
    assert.equal(requestKindForPath('/v1/models'), undefined);
  });
});

describe('allowlist, denylist, thresholds and entity selection', () => {
  it('allowlists exact values and email domains (incl. subdomains)', () => {
    const p = createPolicy({ allowlist: ['@acme-corp.com', 'example.org', '10.0.0.1'] });
    const text = `${EMAIL}, a@mail.example.org, b@other.io, 10.0.0.1, 10.0.0.2`;
    const r = walkRequest('openai.completions', { prompt: text }, p);
    assert.equal(r.body.prompt, `${EMAIL}, a@mail.example.org, <EMAIL_ADDRESS>, 10.0.0.1, <IP_ADDRESS>`);
  });
  it('always flags denylisted terms, case-insensitively and on word boundaries', () => {
    const p = createPolicy({ denylist: ['Project Falcon', 'ACME-42'] });
    const r = walkRequest('openai.completions', { prompt: 'status of project falcon and acme-42, not falconry or ACME-421' }, p);
    assert.equal(r.body.prompt, 'status of <DENYLIST> and <DENYLIST>, not falconry or ACME-421');
    assert.deepEqual(r.findings.map((f) => f.detector), ['denylist', 'denylist']);
  });
  it('honours per-entity minimum confidence and the entity list', () => {
    const text = `ssn 536 22 8174 and ${EMAIL}`; // spaced SSN with cue: 0.9
    assert.equal(walkRequest('openai.completions', { prompt: text }, createPolicy({ min_confidence: { US_SSN: 0.95 } })).body.prompt, 'ssn 536 22 8174 and <EMAIL_ADDRESS>');
    assert.equal(walkRequest('openai.completions', { prompt: text }, createPolicy({ entities: ['US_SSN'] })).body.prompt, `ssn <US_SSN> and ${EMAIL}`);
    assert.equal(walkRequest('openai.completions', { prompt: text }, createPolicy({ enabled: false })).body.prompt, text);
  });
});

describe('settings', () => {
  it('resolves defaults and merges key/team overrides on top', () => {
    const team = { action: 'mask' as const, entity_actions: { PASSWORD: 'block' as const }, min_confidence: 0.6 };
    const key = { entity_actions: { EMAIL_ADDRESS: 'restore' as const }, min_confidence: { API_KEY: 0.9 } };
    const s = resolvePiiSettings({ allowlist: ['@corp.com'] }, team, key);
    assert.equal(s.enabled, true);
    assert.equal(s.action, 'mask');
    assert.equal(s.on_error, 'block');
    assert.deepEqual(s.entity_actions, { PASSWORD: 'block', EMAIL_ADDRESS: 'restore' });
    assert.deepEqual(s.allowlist, ['@corp.com']);
    assert.equal(typeof s.min_confidence === 'object' && s.min_confidence.API_KEY, 0.9);
    assert.equal(typeof s.min_confidence === 'object' && s.min_confidence.EMAIL_ADDRESS, 0.6);
    assert.equal(resolvePiiSettings().entities.length, 8);
  });
  it('validates settings from config', () => {
    assert.equal(validatePiiSettings({ entities: ['CREDIT_CARD', 'EMAIL_ADDRESS', 'PHONE_NUMBER', 'API_KEY', 'PASSWORD'], action: 'redact' }).ok, true);
    assert.equal(validatePiiSettings({ action: 'shred' }).ok, false);
    assert.equal(validatePiiSettings({ entities: ['PERSON'] }).ok, false);
    assert.equal(validatePiiSettings({ min_confidence: 2 }).ok, false);
  });
});

describe('fail-closed guard', () => {
  const boom: Recognizer = {
    name: 'boom',
    entities: ['EMAIL_ADDRESS'],
    detect() {
      throw new Error(`scanner bug near ${EMAIL}`);
    },
  };
  const broken = (on_error: 'block' | 'allow') => compilePolicy(resolvePiiSettings({ on_error }), { extraRecognizers: [boom] });

  it('refuses the request when scanning throws (default), without echoing request text', () => {
    const g = guardRequest('openai.chat', chatBody(), broken('block'));
    assert.equal(g.outcome, 'refuse');
    if (g.outcome !== 'refuse') return;
    assert.equal(g.error.status, 500);
    assert.equal(g.error.code, 'pii_scan_failed');
    assert.ok(!g.error.message.includes(EMAIL));
  });
  it('forwards unscanned only when on_error is allow', () => {
    const body = chatBody();
    const g = guardRequest('openai.chat', body, broken('allow'));
    assert.equal(g.outcome, 'forward_unscanned');
    if (g.outcome === 'forward_unscanned') assert.equal(g.body, body);
  });
  it('forwards scanned bodies when nothing is blocked', () => {
    const g = guardRequest('openai.chat', chatBody(), policy);
    assert.equal(g.outcome, 'forward');
  });
});

describe('output scanning', () => {
  it('applies actions to model output; restore acts as redact there', () => {
    const s = createOutputStreamScanner(createPolicy({ action: 'restore', scan_output: true }));
    assert.equal(s.push(`Your card ${CARD} is on file`) + s.flush(), 'Your card <CREDIT_CARD> is on file');
    assert.equal(s.findings[0]!.action, 'redact');
    assert.equal(s.findings[0]!.location.path, 'output');
  });
});
