// PII in: every text field that goes upstream is scanned and rewritten per the caller's policy before any event is
// built or anything leaves the gateway (block → 400 pii_detected; a scan failure refuses the request).
import { policyForCaller, protectRequest } from '../pii.ts';
import type { Stage } from './stage.ts';

export const protectInput: Stage = {
  name: 'protect PII in the request',
  run(deps, f) {
    const policy = policyForCaller(deps.config.helix_settings.pii_protection, f.caller.principal?.metadata?.pii_protection);
    const { body, restorer } = protectRequest(f.op.piiKind, f.body as object, policy, f.trace, deps.events);
    f.body = body as typeof f.body;
    f.restorer = restorer;
  },
};
