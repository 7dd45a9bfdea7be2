// A canonical chat stream turned into another API's events (Anthropic's, the Responses API's) by its translator:
// one event list per chunk that produced any, then the closing events.
import type { ChatCompletionChunk } from '../../core/llm.ts';

export interface StreamTranslator<E> {
  push(chunk: ChatCompletionChunk): E[];
  finish(): E[];
}

export async function* translatedEvents<E>(chunks: AsyncIterable<ChatCompletionChunk>, translator: StreamTranslator<E>): AsyncGenerator<E[], void, undefined> {
  for await (const chunk of chunks) {
    const events = translator.push(chunk);
    if (events.length) yield events;
  }
  yield translator.finish();
}
