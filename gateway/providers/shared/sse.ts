// Streaming server-sent-events parser (WHATWG "text/event-stream" rules). Events are yielded as soon as their
// terminating blank line arrives; the only thing held back between network chunks is one partial line (plus the
// data lines of the event being assembled). Handles \n, \r\n and \r line ends split across chunks and UTF-8
// characters split across chunks.

export interface SseEvent {
  /** `event:` field; undefined when the event has none (OpenAI-style streams). */
  event?: string;
  /** `data:` lines joined with "\n". */
  data: string;
  id?: string;
  retry?: number;
}

/** Incremental parser: feed text, collect events. Exposed for callers that already hold decoded text. */
export class SseLineParser {
  private partial = '';
  private skipLeadingLf = false;
  private dataLines: string[] = [];
  private eventName: string | undefined;
  private lastId: string | undefined;
  private retry: number | undefined;

  /** Parses one piece of text and returns the events it completed. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (text === '') return out;
    let start = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.partial + text.slice(start, i);
      this.partial = '';
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLeadingLf = true; // a "\r\n" split across chunks
        }
      }
      start = i + 1;
      const event = this.line(line);
      if (event) out.push(event);
    }
    if (start < text.length) this.partial += text.slice(start);
    return out;
  }

  /** End of input: a final event without its blank line is still dispatched (lenient, like most SDKs). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.partial) {
      const event = this.line(this.partial);
      this.partial = '';
      if (event) out.push(event);
    }
    const last = this.dispatch();
    if (last) out.push(last);
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58) return undefined; // ":" comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        break;
      case 'event':
        this.eventName = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    if (this.dataLines.length === 0 && this.eventName === undefined) return undefined;
    const event: SseEvent = { data: this.dataLines.join('\n') };
    if (this.eventName !== undefined) event.event = this.eventName;
    if (this.lastId !== undefined) event.id = this.lastId;
    if (this.retry !== undefined) event.retry = this.retry;
    this.dataLines = [];
    this.eventName = undefined;
    this.retry = undefined;
    return event;
  }
}

/** Turns a byte (or text) stream into SSE events, yielding each one as soon as it is complete. */
export async function* parseSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  const parser = new SseLineParser();
  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const event of parser.push(text)) yield event;
  }
  const tail = decoder.decode();
  if (tail) for (const event of parser.push(tail)) yield event;
  for (const event of parser.end()) yield event;
}

/** Formats one SSE event; `event` is omitted for OpenAI-style `data:`-only streams. */
export function formatSse(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`;
}
