// Request-body schema of POST /v1/messages (Anthropic's Messages API), compiled once at route registration.
import { Type } from '@sinclair/typebox';

const Block = Type.Object({ type: Type.String() }, { additionalProperties: true });

export const MessagesBody = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    max_tokens: Type.Integer({ minimum: 1 }),
    messages: Type.Array(
      Type.Object({ role: Type.String({ enum: ['user', 'assistant', 'system'] }), content: Type.Union([Type.String(), Type.Array(Block)]) }, { additionalProperties: true }),
      { minItems: 1 },
    ),
    system: Type.Optional(Type.Union([Type.String(), Type.Array(Block)])),
    stream: Type.Optional(Type.Boolean()),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  },
  { additionalProperties: true },
);
