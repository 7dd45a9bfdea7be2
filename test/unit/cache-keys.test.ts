// Cache keys, namespaces and per-request directives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalRequest, exactKeyHash, lastUserPrompt, namespaceFor, paramsHash } from '../../gateway/cache/canonical.ts';
import { parseDirectives, withoutCacheField } from '../../gateway/cache/directives.ts';
import { cacheSettings } from '../../schemas/config/cache.ts';
import { tagFilter, escapeTag } from '../../core/cache/semantic-index.ts';
import type { ChatRequest } from '../../core/llm.ts';

const body = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], ...extra });
const key = (b: ChatRequest, ns = 'team:a') => exactKeyHash(ns, canonicalRequest(b));

void describe('canonical request and exact key', () => {
  void it('ignores key order, nulls, stream and caller-only fields', () => {
    const a = { temperature: 0, model: 'gpt-4o', messages: [{ content: 'hello', role: 'user' as const }] };
    assert.equal(key(a as ChatRequest), key(body({ temperature: 0, stream: true, stream_options: { include_usage: true }, user: 'u1', top_p: null })));
  });

  void it('changes with every field that can change the answer', () => {
    const base = key(body());
    for (const extra of [{ temperature: 0.5 }, { top_p: 0.9 }, { max_tokens: 10 }, { seed: 1 }, { stop: ['x'] }, { n: 2 }, { tools: [{ type: 'function' }] }, { tool_choice: 'auto' }, { response_format: { type: 'json_object' } }, { presence_penalty: 1 }]) {
      assert.notEqual(key(body(extra)), base, JSON.stringify(extra));
    }
    assert.notEqual(key(body({ model: 'gpt-4o-mini' })), base);
    assert.notEqual(key(body({ messages: [{ role: 'user', content: 'hello!' }] })), base);
  });

  void it('is per namespace', () => {
    assert.notEqual(key(body(), 'team:a'), key(body(), 'team:b'));
  });

  void it('params hash covers everything but the last user message', () => {
    const sys = (s: string, q: string): ChatRequest => body({ messages: [{ role: 'system', content: s }, { role: 'user', content: q }] });
    assert.equal(paramsHash(canonicalRequest(sys('be brief', 'q1'))), paramsHash(canonicalRequest(sys('be brief', 'another question'))));
    assert.notEqual(paramsHash(canonicalRequest(sys('be brief', 'q1'))), paramsHash(canonicalRequest(sys('be verbose', 'q1'))));
    assert.notEqual(paramsHash(canonicalRequest({ ...sys('s', 'q'), temperature: 0 })), paramsHash(canonicalRequest(sys('s', 'q'))));
  });

  void it('embeds only a trailing text-only user message', () => {
    assert.equal(lastUserPrompt([{ role: 'user', content: '  hi  ' }]), 'hi');
    assert.equal(lastUserPrompt([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }]), 'ab');
    assert.equal(lastUserPrompt([{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }]), undefined);
    assert.equal(lastUserPrompt([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]), undefined);
  });
});

void describe('namespaces', () => {
  void it('isolates per team, per key without a team, shared only when configured', () => {
    assert.equal(namespaceFor({ keyId: 'key_1', teamId: 't1' }, undefined), 'team:t1');
    assert.equal(namespaceFor({ keyId: 'key_2', teamId: 't1' }, undefined), 'team:t1');
    assert.equal(namespaceFor({ keyId: 'key_1', teamId: '' }, undefined), 'key:key_1');
    assert.equal(namespaceFor({ keyId: '', teamId: '' }, undefined), 'key:anonymous');
    assert.equal(namespaceFor({ keyId: 'key_1', teamId: 't1' }, 'all'), 'shared:all');
  });

  void it('escapes namespace and model in TAG filters', () => {
    assert.equal(escapeTag('team:a-b/c'), 'team\\:a\\-b\\/c');
    assert.equal(tagFilter({ namespace: 'team:x', model: 'openai/gpt-4o' }), '@namespace:{team\\:x} @model:{openai\\/gpt\\-4o}');
  });
});

void describe('directives', () => {
  void it('reads Cache-Control, x-helix-cache-ttl and the LiteLLM body form', () => {
    assert.deepEqual(parseDirectives({}, undefined), { noCache: false, noStore: false });
    assert.deepEqual(parseDirectives({ 'cache-control': 'No-Cache' }, undefined), { noCache: true, noStore: false });
    assert.deepEqual(parseDirectives({ 'cache-control': 'max-age=0, no-store' }, undefined), { noCache: false, noStore: true });
    assert.deepEqual(parseDirectives({ 'x-helix-cache-ttl': '600' }, undefined), { noCache: false, noStore: false, ttlSeconds: 600 });
    assert.deepEqual(parseDirectives({ 'x-helix-cache-ttl': 'soon' }, undefined), { noCache: false, noStore: false });
    assert.deepEqual(parseDirectives({}, { 'no-cache': true, ttl: 60 }), { noCache: true, noStore: false, ttlSeconds: 60 });
  });

  void it('strips the body field without touching the original', () => {
    const original = { ...body(), cache: { 'no-cache': true } };
    const stripped = withoutCacheField(original);
    assert.equal('cache' in stripped, false);
    assert.equal('cache' in original, true);
  });

  void it('settings default to the seed vocabulary', () => {
    const s = cacheSettings();
    assert.equal(s.similarity_threshold, 0.7);
    assert.equal(s.embedding_model, 'all-MiniLM-L6-v2');
    assert.equal(s.redis_index, 'helix:semantic:index');
    assert.equal(s.ttl_seconds, 86_400);
    assert.equal(cacheSettings({ skip: { max_temperature: 0.5 } }).skip.tool_calls, true);
  });
});
