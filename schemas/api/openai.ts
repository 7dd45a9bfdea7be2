// Request-body schemas of the OpenAI-compatible routes, compiled once by fastify at route registration.
// Deliberately loose beyond what the gateway itself relies on: unknown fields pass through to the provider.
import { Type } from '@sinclair/typebox';
import { EndUser, Metadata, ModelName } from './bounds.ts';

const ToolCall = Type.Object(
  {
    id: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    function: Type.Object({ name: Type.String(), arguments: Type.String() }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

const Message = Type.Object(
  {
    role: Type.String({ enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] }),
    content: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true })), Type.Null()])),
    name: Type.Optional(Type.String()),
    tool_calls: Type.Optional(Type.Union([Type.Array(ToolCall), Type.Null()])),
    tool_call_id: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const ChatCompletionBody = Type.Object(
  {
    model: ModelName,
    messages: Type.Array(Message, { minItems: 1 }),
    user: Type.Optional(EndUser),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
  },
  { additionalProperties: true },
);

const PromptInput = Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 }), Type.Array(Type.Integer(), { minItems: 1 }), Type.Array(Type.Array(Type.Integer()), { minItems: 1 })]);

export const CompletionBody = Type.Object(
  {
    model: ModelName,
    prompt: PromptInput,
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
    user: Type.Optional(EndUser),
  },
  { additionalProperties: true },
);

export const EmbeddingBody = Type.Object(
  {
    model: ModelName,
    input: PromptInput,
    user: Type.Optional(EndUser),
  },
  { additionalProperties: true },
);
