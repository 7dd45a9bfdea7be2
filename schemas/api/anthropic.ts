// Request-body schema of POST /v1/messages (Anthropic's Messages API), compiled once at route registration.
import { Type } from '@sinclair/typebox';
import { EndUser, ModelName } from './bounds.ts';

const Block = Type.Object({ type: Type.String() }, { additionalProperties: true });

export const MessagesBody = Type.Object(
  {
    model: ModelName,
    max_tokens: Type.Integer({ minimum: 1 }),
    messages: Type.Array(
      Type.Object({ role: Type.String({ enum: ['user', 'assistant', 'system'] }), content: Type.Union([Type.String(), Type.Array(Block)]) }, { additionalProperties: true }),
      { minItems: 1 },
    ),
    system: Type.Optional(Type.Union([Type.String(), Type.Array(Block)])),
    stream: Type.Optional(Type.Boolean()),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    tools: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 512 })),
    tool_choice: Type.Optional(Type.Object({ type: Type.String({ maxLength: 64 }) }, { additionalProperties: true })),
    metadata: Type.Optional(Type.Object({ user_id: Type.Optional(Type.Union([EndUser, Type.Null()])) }, { additionalProperties: true, maxProperties: 64 })),
  },
  { additionalProperties: true },
);

/** POST /v1/messages/count_tokens: a Messages body without the output settings. */
export const CountTokensBody = Type.Omit(MessagesBody, ['max_tokens', 'stream']);
