// Server-sent events on the raw response: written chunk by chunk, never buffered.
import type { ServerResponse } from 'node:http';

export function startSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...headers,
  });
}

export function writeSseData(res: ServerResponse, data: unknown): boolean {
  return res.write(`data: ${JSON.stringify(data)}\n\n`);
}

export function writeSseEvent(res: ServerResponse, event: string, data: unknown): boolean {
  return res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function endSse(res: ServerResponse, done = true): void {
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}
