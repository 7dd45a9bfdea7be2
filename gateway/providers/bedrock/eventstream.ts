// ConverseStream's body (`application/vnd.amazon.eventstream`) → typed events. Binary frames (prelude with total
// and header lengths, headers, payload, CRC32s) are reassembled across network chunks and decoded — CRCs checked —
// by @smithy/eventstream-codec; `exception` and `error` frames become UpstreamError.
import { EventStreamCodec, type Message, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { isRecord } from '../../../lib/is-record.ts';
import { UpstreamError } from '../types.ts';
import { bedrockError } from './errors.ts';
import type { ConverseStreamEvent } from './wire.ts';

/** Prelude (total length, headers length, prelude CRC) + message CRC. */
const FRAME_OVERHEAD = 16;
/** The eventstream spec caps a message at 16 MiB. */
const MAX_FRAME = 16 * 1024 * 1024;

function invalidStream(message: string): UpstreamError {
  return new UpstreamError(502, `Bedrock sent an invalid event stream: ${message}`, { code: 'invalid_upstream_response' });
}

/** Whole frames out of arbitrarily split chunks, decoded as soon as their last byte arrives. */
export async function* eventStreamMessages(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Message, void, undefined> {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (buffer.length >= 4) {
      const total = buffer.readUInt32BE(0);
      if (total < FRAME_OVERHEAD || total > MAX_FRAME) throw invalidStream(`frame length ${total}`);
      if (buffer.length < total) break;
      let message: Message;
      try {
        message = codec.decode(buffer.subarray(0, total));
      } catch (err) {
        throw invalidStream(err instanceof Error ? err.message : String(err));
      }
      buffer = buffer.subarray(total);
      yield message;
    }
  }
  if (buffer.length) throw new UpstreamError(502, 'Bedrock stream ended inside an event', { code: 'stream_truncated' });
}

function headerString(headers: MessageHeaders, name: string): string | undefined {
  const h = headers[name];
  return h?.type === 'string' ? h.value : undefined;
}

function jsonBody(message: Message): unknown {
  const text = toUtf8(message.body);
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalidStream(`event payload is not JSON: ${text.slice(0, 200)}`);
  }
}

/** Decoded frames → Converse stream events; exception/error frames throw. Unknown event types are skipped. */
export async function* converseStreamEvents(messages: AsyncIterable<Message>): AsyncGenerator<ConverseStreamEvent, void, undefined> {
  for await (const message of messages) {
    const kind = headerString(message.headers, ':message-type');
    if (kind === 'exception') {
      const body = jsonBody(message);
      const text = isRecord(body) && typeof body.message === 'string' ? body.message : 'Bedrock reported an error mid-stream';
      throw bedrockError(headerString(message.headers, ':exception-type'), text, 500, { body });
    }
    if (kind === 'error') {
      throw bedrockError(headerString(message.headers, ':error-code'), headerString(message.headers, ':error-message') ?? 'Bedrock reported an error mid-stream', 500);
    }
    const type = headerString(message.headers, ':event-type');
    const payload = jsonBody(message);
    if (!type || !isRecord(payload)) continue;
    yield { type, payload } as ConverseStreamEvent;
  }
}
