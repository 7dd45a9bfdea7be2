// The request pipeline, top to bottom. Every /v1 endpoint runs this list (runner.ts); an operation leaves out only
// the optional stages it declares in its `skips`. Auth and rate limits run before it, as the /v1 plugin's hooks.
import { admitEvents } from './admit-events.ts';
import { callProvider } from './call-provider.ts';
import { confirmHold } from './confirm-hold.ts';
import { emitRequest } from './emit-request.ts';
import { holdBudget } from './hold-budget.ts';
import { lookupCache } from './lookup-cache.ts';
import { protectInput } from './protect-input.ts';
import { resolveModel } from './resolve-model.ts';
import { restorePii } from './restore-pii.ts';
import { scanOutput } from './scan-output.ts';
import { settle } from './settle.ts';
import type { Stage } from './stage.ts';
import { storeCache } from './store-cache.ts';
import { swapModel } from './swap-model.ts';

export const STAGES: readonly Stage[] = [
  admitEvents, //    503 while the event spool is full: what cannot be accounted for is not served
  swapModel, //      the optimizer may serve a cheaper model
  resolveModel, //   404 for an unknown model
  protectInput, //   PII in: scan and rewrite every text that goes upstream
  emitRequest, //    the request event (after PII)
  holdBudget, //     worst-case budget hold, started
  lookupCache, //    exact / semantic cache; a hit is the outcome
  confirmHold, //    hold confirmed (429) or given back on a hit; output capped
  callProvider, //   router → provider adapter (stream or not)
  scanOutput, //     PII out: what the provider said, when scan_output is on
  storeCache, //     a fresh answer into the cache
  restorePii, //     mask-and-restore originals back into the answer
  settle, //         response event, hold settled to the actual cost
];
