// The request event, built from the body after PII handling: raw PII never reaches it, even with log_prompts.
import { requestEvent } from '../events.ts';
import type { Stage } from './stage.ts';

export const emitRequest: Stage = {
  name: 'emit request event',
  run(deps, f) {
    deps.events.emit(requestEvent(f.trace, f.op.promptMessages(f.body), deps.config.helix_settings.log_prompts));
    f.trace.requestEmitted = true;
  },
};
