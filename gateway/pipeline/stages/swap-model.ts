// The optimizer may serve a cheaper model than the one asked for; everything after sees the model actually served.
import { SWAPPED_FROM_HEADER, type ModelOptimizer } from '../../optimizer/model-optimizer.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../../core/llm.ts';
import type { Flight } from '../flight.ts';
import { asChat } from '../operations/chat.ts';
import type { Stage } from './stage.ts';

export const swapModel: Stage = {
  name: 'swap model',
  optional: 'swap',
  run(deps, f) {
    const optimizer = deps.costControl?.optimizer;
    if (!optimizer?.mayChoose(f.op.model(f.body))) return undefined;
    return swap(optimizer, asChat(f));
  },
};

async function swap(optimizer: ModelOptimizer, f: Flight<ChatRequest, ChatCompletion, ChatCompletionChunk>): Promise<void> {
  const decision = await optimizer.choose({ body: f.body, caller: f.caller.principal, headers: f.caller.headers });
  if (!decision) return;
  f.body = { ...f.body, model: decision.to };
  f.trace.modelSwappedFrom = decision.from;
  f.caller.res.setHeader(SWAPPED_FROM_HEADER, decision.from);
}
