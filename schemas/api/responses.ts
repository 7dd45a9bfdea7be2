// Request-body schema of POST /v1/responses, compiled once at route registration: every client value is bounded
// (schemas/api/bounds.ts); unknown fields pass, unsupported ones are refused by client-request.ts with a 400.
import { Type } from '@sinclair/typebox';
import { EndUser, LIMITS, ModelName } from './bounds.ts';

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

/** Input items and tools a request may carry (a long agent conversation is a few hundred items). */
const MAX_ITEMS = 10_000;
const MAX_TOOLS = 512;
const Name = Type.String({ minLength: 1, maxLength: 256 });

const InputItem = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 64 })),
    role: Type.Optional(Type.String({ enum: ['user', 'assistant', 'system', 'developer'] })),
    content: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String({ maxLength: 64 }) }, { additionalProperties: true }))])),
  },
  { additionalProperties: true },
);

const Tool = Type.Object({ type: Type.String({ maxLength: 64 }), name: Type.Optional(Name) }, { additionalProperties: true });

const ToolChoice = Type.Union([Type.String({ enum: ['auto', 'none', 'required'] }), Type.Object({ type: Type.String({ maxLength: 64 }), name: Type.Optional(Name) }, { additionalProperties: true })]);

/** Fields the Response object echoes back: bounded to the scalars the API defines, never arbitrary client JSON. */
const Word = Type.String({ maxLength: 64 });
const Reasoning = Type.Object({ effort: nullable(Word), summary: nullable(Word), generate_summary: nullable(Word) }, { additionalProperties: true });
/** The API's metadata: string values of at most 512 characters; and Helix's `tags` (taken out before the provider). */
const ResponsesMetadata = Type.Object({ tags: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String({ maxLength: 4096 })])) }, { additionalProperties: Type.String({ maxLength: 512 }), maxProperties: LIMITS.metadataKeys });

const TextFormat = Type.Object(
  {
    type: Type.String({ enum: ['text', 'json_object', 'json_schema'] }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
    description: Type.Optional(Type.String()),
    strict: nullable(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const ResponsesBody = Type.Object(
  {
    model: ModelName,
    input: Type.Optional(Type.Union([Type.String(), Type.Array(InputItem, { maxItems: MAX_ITEMS })])),
    instructions: nullable(Type.String()),
    tools: Type.Optional(Type.Array(Tool, { maxItems: MAX_TOOLS })),
    tool_choice: Type.Optional(ToolChoice),
    text: Type.Optional(Type.Object({ format: Type.Optional(TextFormat), verbosity: nullable(Word) }, { additionalProperties: true })),
    max_output_tokens: nullable(Type.Integer({ minimum: 1 })),
    temperature: nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: nullable(Type.Number({ minimum: 0, maximum: 1 })),
    parallel_tool_calls: nullable(Type.Boolean()),
    metadata: nullable(ResponsesMetadata),
    reasoning: nullable(Reasoning),
    user: Type.Optional(EndUser),
    stream: nullable(Type.Boolean()),
    store: nullable(Type.Boolean()),
    previous_response_id: nullable(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: true },
);
