// Every text field the model reads is scanned, with a path per finding: tool-call arguments (values and keys),
// participant names, refusals, file names, predicted outputs, tool descriptions and schemas, Anthropic tool
// inputs, documents and search results. Identifiers and fields the model never reads are left alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from '../../gateway/pii/policy.ts';
import { walkRequest } from '../../gateway/pii/request-walker.ts';
import type { Finding } from '../../gateway/pii/types.ts';

const EMAIL = 'jane.doe@acme-corp.com';
const CARD = '4111 1111 1111 1111';
const SSN = '536-22-8174';
const policy = createPolicy({ fingerprint_secret: 'fields-test-secret-0123' });

const paths = (findings: Finding[]) => findings.map((f) => f.location.path);
const noRawValues = (value: unknown) => {
  const text = JSON.stringify(value);
  for (const raw of [EMAIL, CARD, SSN, 'jane.doe']) assert.ok(!text.includes(raw), `${raw} left in ${text.slice(0, 200)}`);
};

describe('OpenAI chat: every field the model reads', () => {
  const body = {
    model: 'gpt-4o',
    messages: [
      { role: 'user', name: `user_${SSN}`, content: [{ type: 'text', text: 'hi' }, { type: 'file', file: { file_data: 'data:application/pdf;base64,AAAA', filename: `CV ${EMAIL} 2024.pdf` } }] },
      {
        role: 'assistant',
        content: [{ type: 'refusal', refusal: `I will not email ${EMAIL}` }],
        refusal: `Not for ${EMAIL}`,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'send_mail', arguments: JSON.stringify({ [EMAIL]: { note: `card ${CARD}` }, to: EMAIL }) } }],
      },
    ],
    prediction: { type: 'content', content: [{ type: 'text', text: `Dear ${EMAIL},` }] },
    tools: [
      {
        type: 'function',
        function: {
          name: 'send_mail',
          description: `Sends mail; copy ${EMAIL}`,
          parameters: { type: 'object', properties: { email: { type: 'string', description: `e.g. ${EMAIL}`, enum: [EMAIL, 'ops'] } } },
        },
      },
      { type: 'custom', custom: { name: 'grep', description: `searches ${EMAIL}'s inbox` } },
    ],
    functions: [{ name: 'legacy', description: `ssn ${SSN}`, parameters: { type: 'object', properties: {} } }],
    response_format: { type: 'json_schema', json_schema: { name: 'reply', description: `to ${EMAIL}`, schema: { type: 'object', properties: { to: { const: EMAIL } } } } },
    user: 'end-user-42',
    metadata: { ticket: 'T-1' },
  };
  const r = walkRequest('openai.chat', body, policy);

  it('removes every value from the forwarded body', () => noRawValues(r.body));

  it('reports a path for each finding', () => {
    assert.deepEqual(paths(r.findings), [
      'messages[0].content[1].file.filename',
      'messages[0].name',
      'messages[1].content[0].refusal',
      'messages[1].refusal',
      'messages[1].tool_calls[0].function.arguments#/<EMAIL_ADDRESS>',
      'messages[1].tool_calls[0].function.arguments#/<EMAIL_ADDRESS>/note',
      'messages[1].tool_calls[0].function.arguments#/to',
      'tools[0].function.description',
      'tools[0].function.parameters/properties/email/description',
      'tools[0].function.parameters/properties/email/enum/0',
      'tools[1].custom.description',
      'functions[0].description',
      'response_format.json_schema.description',
      'response_format.json_schema.schema/properties/to/const',
      'prediction.content[0].text',
    ]);
    const key = r.findings.find((f) => f.location.inKey);
    assert.deepEqual([key?.entity, key?.location.offset, key?.location.length], ['EMAIL_ADDRESS', 0, EMAIL.length]);
  });

  it('rewrites argument keys and values, keeping the JSON valid', () => {
    const args = JSON.parse((r.body.messages[1] as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0]!.function.arguments);
    assert.deepEqual(args, { '<EMAIL_ADDRESS>': { note: 'card <CREDIT_CARD>' }, to: '<EMAIL_ADDRESS>' });
  });

  it('leaves identifiers and fields the model never reads alone', () => {
    const out = r.body as typeof body;
    assert.equal(out.tools[0]!.function!.name, 'send_mail');
    assert.deepEqual(Object.keys(out.tools[0]!.function!.parameters.properties), ['email']);
    assert.equal(out.messages[1]!.tool_calls![0]!.function.name, 'send_mail');
    assert.equal(out.user, 'end-user-42');
    assert.equal(out.metadata, body.metadata);
    assert.equal(out.response_format.json_schema.name, 'reply');
  });

  it('accepts a plain-string prediction', () => {
    const p = walkRequest('openai.chat', { messages: [], prediction: { type: 'content', content: `card ${CARD}` } }, policy);
    assert.deepEqual(p.body.prediction, { type: 'content', content: 'card <CREDIT_CARD>' });
    assert.deepEqual(paths(p.findings), ['prediction.content']);
  });
});

describe('JSON keys', () => {
  const args = (value: unknown) =>
    walkRequest('openai.chat', { messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: JSON.stringify(value) } }] }] }, policy);
  const argsOut = (r: ReturnType<typeof args>) => JSON.parse((r.body.messages[0] as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0]!.function.arguments) as unknown;

  it('keys that become equal are kept apart, none is lost', () => {
    const r = args({ 'a@x.io': 1, 'b@x.io': 2, '<EMAIL_ADDRESS>': 3 });
    assert.deepEqual(argsOut(r), { '<EMAIL_ADDRESS>_2': 1, '<EMAIL_ADDRESS>_3': 2, '<EMAIL_ADDRESS>': 3 });
  });
  it('a __proto__ key is data: its value is rewritten like any other', () => {
    const r = args(JSON.parse(`{"__proto__": "${EMAIL}"}`));
    const out = (r.body.messages[0] as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0]!.function.arguments;
    assert.equal(out, '{"__proto__":"<EMAIL_ADDRESS>"}');
  });
  it('paths never carry a raw value and stay short for long keys', () => {
    const longKey = `${'k'.repeat(5000)}`;
    const r = args({ [longKey]: EMAIL, [`ssn ${SSN}`]: { inner: EMAIL } });
    noRawValues(r.findings);
    for (const f of r.findings) assert.ok(f.location.path.length < 160, f.location.path);
  });
  it('keys name their values: a password field is a cue', () => {
    const r = args({ password: 'Tr0ub4dor&3' });
    assert.deepEqual(argsOut(r), { password: '<PASSWORD>' });
  });
});

describe('Anthropic messages: every field the model reads', () => {
  const body = {
    model: 'claude',
    system: `Owner ${EMAIL}`,
    tools: [{ name: 'lookup', description: `finds ${EMAIL}`, input_schema: { type: 'object', properties: { ssn: { type: 'string', examples: [SSN] } } } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'document', title: `CV of ${EMAIL}`, context: `ssn ${SSN}`, source: { type: 'content', content: [{ type: 'text', text: `card ${CARD}` }] } },
          { type: 'search_result', source: 'https://x.test/r', title: `mail ${EMAIL}`, content: [{ type: 'text', text: `ssn ${SSN}` }] },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { [EMAIL]: { ssn: SSN } } }] },
    ],
    metadata: { user_id: 'u-1' },
  };
  const r = walkRequest('anthropic.messages', body, policy);

  it('removes every value from the forwarded body', () => noRawValues(r.body));

  it('reports a path for each finding', () => {
    assert.deepEqual(paths(r.findings), [
      'system',
      'messages[0].content[0].title',
      'messages[0].content[0].context',
      'messages[0].content[0].source.content[0].text',
      'messages[0].content[1].title',
      'messages[0].content[1].content[0].text',
      'messages[1].content[0].input/<EMAIL_ADDRESS>',
      'messages[1].content[0].input/<EMAIL_ADDRESS>/ssn',
      'tools[0].description',
      'tools[0].input_schema/properties/ssn/examples/0',
    ]);
  });

  it('keeps tool names, schema property names and metadata', () => {
    const out = r.body as typeof body;
    assert.equal(out.tools[0]!.name, 'lookup');
    assert.deepEqual(Object.keys(out.tools[0]!.input_schema.properties), ['ssn']);
    assert.deepEqual(out.metadata, { user_id: 'u-1' });
  });
});
