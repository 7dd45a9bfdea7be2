// POST /v1/completions — legacy text completions, for providers that still have them.
import { CompletionBody } from '../../schemas/api/openai.ts';
import { completionsOperation } from '../pipeline/operations/completions.ts';
import { openAIWire } from './openai-wire.ts';

export const completionsWire = openAIWire(completionsOperation, CompletionBody);
