// What the pipeline needs to know about one kind of upstream call (chat, legacy completions, embeddings): how to
// call a provider, read usage from the answer, and where the text is. The stages are written once against this;
// each kind lives in operations/. Wire formats (OpenAI, Anthropic) are the routes' business, not the operation's.
import type { RequestKind } from '../pii/request-walker.ts';
import type { UpstreamCall, ProviderAdapter } from '../providers/types.ts';
import type { ChatMessage, Usage } from '../../core/llm.ts';

/** Stages an operation may leave out. Declared per operation in `skips`, nowhere else. */
export type OptionalStage = 'swap' | 'cache';

export interface Operation<Req, Res, Chunk> {
  readonly kind: 'chat' | 'completions' | 'embeddings' | 'messages' | 'responses';
  readonly skips: ReadonlySet<OptionalStage>;
  /** How the PII engine walks this body. */
  readonly piiKind: RequestKind;
  model(body: Req): string;
  withModel(body: Req, model: string): Req;
  stream(body: Req): boolean;
  /** The prompt as messages, for the request event (its size, and the prompt itself with log_prompts). */
  promptMessages(body: Req): ChatMessage[];
  /** Prompt tokens as the tokenizer counts them (bounded: linear in the input). */
  promptTokens(body: Req): number;
  /** Output tokens the client allowed (max_tokens × n); undefined when it set none; 0 when the call has no output. */
  outputTokens(body: Req): number | undefined;
  /** The body with an output cap, for a client that set none while a budget holds a worst case. */
  withMaxTokens(body: Req, maxTokens: number): Req;
  call(adapter: ProviderAdapter, body: Req, call: UpstreamCall): Promise<Res>;
  /** Undefined for operations that cannot stream. */
  callStream?(adapter: ProviderAdapter, body: Req, call: UpstreamCall): AsyncIterable<Chunk>;
  usage(res: Res | Chunk): Usage | undefined;
  finishReason(res: Res | Chunk): string;
  /** Text a chunk adds to the answer (what a disconnected stream is charged for). */
  chunkText(chunk: Chunk): string;
  /** Output text fields a transform may rewrite (PII output scan, restore), in place. */
  rewriteOutput(res: Res, rewrite: OutputRewriter): void;
  rewriteChunk(chunk: Chunk, rewrite: ChunkRewriter): void;
}

/** `model` / `withModel` of a body that names its model in `model` (every kind does). */
export function modelField<Req extends { model: string }>(): Pick<Operation<Req, unknown, unknown>, 'model' | 'withModel'> {
  return { model: (body) => body.model, withModel: (body, model) => ({ ...body, model }) };
}

/** Rewrites one text of an answer; `json` for tool-call arguments. */
export type OutputRewriter = (text: string, json: boolean) => string;

/**
 * Rewrites streamed text. Pieces of several text streams interleave in one answer (each choice's content, each of its
 * tool calls' arguments): `field` names the stream within a choice (`content`, `tool:<index>`). At a choice's last
 * chunk `flush` returns what is still held back for each of that choice's streams.
 */
export interface ChunkRewriter {
  push(choice: number, field: string, piece: string, json: boolean): string;
  flush(choice: number): Array<{ field: string; text: string }>;
}

/** A stream transform of one text stream: what can go out now, and at the end whatever was held back. */
export interface TextStream {
  push(piece: string): string;
  flush(): string;
}

/** A ChunkRewriter made of one TextStream per (choice, field), created on first use. */
export function chunkRewriter(open: (json: boolean, choice: number, field: string) => TextStream): ChunkRewriter {
  const streams = new Map<number, Map<string, TextStream>>();
  return {
    push(choice, field, piece, json) {
      let fields = streams.get(choice);
      if (!fields) streams.set(choice, (fields = new Map()));
      let s = fields.get(field);
      if (!s) fields.set(field, (s = open(json, choice, field)));
      return s.push(piece);
    },
    flush(choice) {
      const fields = streams.get(choice);
      if (!fields) return [];
      streams.delete(choice);
      const out: Array<{ field: string; text: string }> = [];
      for (const [field, s] of fields) {
        const text = s.flush();
        if (text) out.push({ field, text });
      }
      return out;
    },
  };
}
