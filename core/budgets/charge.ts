// What a finished request is charged: one function for the gateway's settlement and the ledger's booking, so both
// compute the same amount from the same response event.
import type { ResponseEvent } from '../../schemas/events.ts';
import { zeroCost, type Cost, type PriceBook } from '../prices.ts';

/**
 * The response-event fields a charge reads. `cached_tokens` and `model_swapped_from` are the fields this work asks
 * the chat pipeline to add to ResponseEvent (see docs/ledger.md); until then they are simply absent.
 */
export type ChargeableEvent = Pick<ResponseEvent, 'event_id' | 'type' | 'ts' | 'model' | 'provider' | 'deployment' | 'prompt_tokens' | 'completion_tokens' | 'cache'> & {
  cached_tokens?: number | undefined;
  model_swapped_from?: string | undefined;
};

export const isCacheHit = (cache: string) => cache === 'exact' || cache === 'semantic';

export interface Charge {
  cost: Cost;
  /** Cost of the same usage on the model the client asked for, minus the actual cost (0 without a swap). */
  swapSavedNano: number;
  requestedModel: string;
}

export function chargeOf(prices: PriceBook, e: ChargeableEvent): Charge {
  const at = new Date(e.ts);
  const when = Number.isNaN(at.getTime()) ? undefined : at;
  const usage = { prompt_tokens: e.prompt_tokens, completion_tokens: e.completion_tokens, cached_tokens: e.cached_tokens };
  // A cache hit used no upstream tokens (its saving is booked from the cache event).
  const cost = isCacheHit(e.cache) ? zeroCost() : prices.costOfDeployment({ deployment: e.deployment, model: e.model, provider: e.provider }, usage, when);
  const swappedFrom = e.model_swapped_from && e.model_swapped_from !== e.model ? e.model_swapped_from : '';
  const swapSavedNano = swappedFrom && cost.costNano > 0 ? prices.costOfModel(swappedFrom, usage, when).costNano - cost.costNano : 0;
  return { cost, swapSavedNano, requestedModel: swappedFrom || e.model };
}
