// The optimizer may serve a cheaper model than the one asked for; everything after sees the model actually served.
import { SWAPPED_FROM_HEADER } from '../../optimizer/index.ts';
import { asChat } from '../operations/chat.ts';
import type { Stage } from './stage.ts';

export const swapModel: Stage = {
  name: 'swap model',
  optional: 'swap',
  async run(deps, f) {
    if (!deps.costControl) return;
    const chat = asChat(f);
    const swap = await deps.costControl.optimizer.choose({ body: chat.body, caller: f.caller.principal, headers: f.caller.headers });
    if (!swap) return;
    chat.body = { ...chat.body, model: swap.to };
    f.ctx.modelSwappedFrom = swap.from;
    f.caller.res.setHeader(SWAPPED_FROM_HEADER, swap.from);
  },
};
