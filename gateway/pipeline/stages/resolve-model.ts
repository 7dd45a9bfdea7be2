// The model must exist (404 before anything else is spent on the request).
import type { Stage } from './stage.ts';

export const resolveModel: Stage = {
  name: 'resolve model',
  run(deps, f) {
    const model = f.op.model(f.body);
    deps.router.deploymentsFor(model);
    f.trace.model = model;
    f.trace.stream = f.op.stream(f.body);
  },
};
