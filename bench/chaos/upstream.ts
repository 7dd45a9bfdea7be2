// A slow OpenAI-style upstream on 127.0.0.1: chat streams that take `chunks × gapMs` to finish, so a gateway killed
// during the run has streams in the middle of being answered (the built-in mock provider answers at once).
import { startLoopbackServer, type LoopbackServer } from '../../test/helpers/fake-upstreams.ts';

export type SlowUpstream = LoopbackServer;

export const SLOW_USAGE = { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 };

export function startSlowUpstream(opts: { chunks?: number; gapMs?: number } = {}): Promise<SlowUpstream> {
  const chunks = opts.chunks ?? SLOW_USAGE.completion_tokens;
  const gapMs = opts.gapMs ?? 60;
  return startLoopbackServer((_req, json, res) => {
    const body = json as { model?: string; stream?: boolean };
    const base = { id: 'chatcmpl-chaos', created: 1_700_000_000, model: body.model ?? 'slow' };
    if (!body.stream) {
      const message = { role: 'assistant', content: 'slow '.repeat(chunks).trim() };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: 'stop' }], usage: SLOW_USAGE }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    const chunk = (delta: object, finish: string | null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
    send(chunk({ role: 'assistant', content: '' }, null));
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      if (sent < chunks) {
        send(chunk({ content: sent === 0 ? 'slow' : ' slow' }, null));
        sent++;
        return;
      }
      clearInterval(timer);
      send(chunk({}, 'stop'));
      send({ ...base, object: 'chat.completion.chunk', choices: [], usage: SLOW_USAGE });
      send('[DONE]');
      res.end();
    }, gapMs);
    res.on('close', () => clearInterval(timer));
  });
}
