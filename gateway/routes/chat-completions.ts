// POST /v1/chat/completions — OpenAI's chat wire format.
import { ChatCompletionBody } from '../../schemas/api/openai.ts';
import { chatOperation } from '../pipeline/operations/chat.ts';
import { openAIWire } from './openai-wire.ts';

export const chatCompletionsWire = openAIWire(chatOperation, ChatCompletionBody);
