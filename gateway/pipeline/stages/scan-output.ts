// PII out (pii_protection.scan_output): what the provider wrote is scanned before the cache keeps it and before
// restore puts the client's own values back, streams included (a value split across chunks is still caught; only a
// short tail is held back). Output findings are redacted or masked — text already streamed cannot be blocked.
import { createOutputStreamScanner } from '../../pii/output-stream.ts';
import { scansOutput } from '../../pii/policy.ts';
import type { Finding } from '../../pii/types.ts';
import { GatewayError } from '../../errors.ts';
import { chunkRewriter, type TextStream } from '../operation.ts';
import { emitFindings, policyForCaller } from '../pii.ts';
import { eachOutput, type Stage } from './stage.ts';

export const scanOutput: Stage = {
  name: 'scan output for PII',
  run(deps, f) {
    if (!f.outcome || f.fromCache) return;
    const policy = policyForCaller(deps.config.helix_settings.pii_protection, f.caller.principal?.metadata?.pii_protection);
    if (!scansOutput(policy)) return;
    const { op } = f;
    const findings: Finding[] = [];
    const refuseOnError = policy.settings.on_error !== 'allow';
    const open = (json: boolean, path: string) => failClosed(createOutputStreamScanner(policy, { json, findings, path }), refuseOnError);
    const rewriter = f.outcome.kind === 'stream' ? chunkRewriter((json, choice, field) => open(json, `choices[${choice}].${field}`)) : undefined;
    eachOutput(
      f,
      (value) =>
        op.rewriteOutput(value, (text, json) => {
          const s = open(json, json ? 'tool_calls.arguments' : 'content');
          return s.push(text) + s.flush();
        }),
      (chunk) => op.rewriteChunk(chunk, rewriter!),
      () => {
        if (findings.length > 0) emitFindings(findings, 'response', f.trace, deps.events);
      },
    );
  },
};

/** A scanner failure never lets unscanned text through, unless the policy says `on_error: allow`. */
function failClosed(stream: TextStream, refuse: boolean): TextStream {
  const attempt = (fn: () => string, unscanned: string) => {
    try {
      return fn();
    } catch {
      if (refuse) throw new GatewayError('pii_scan_failed', 'The answer could not be scanned for PII, so it was withheld.');
      return unscanned;
    }
  };
  return { push: (piece) => attempt(() => stream.push(piece), piece), flush: () => attempt(() => stream.flush(), '') };
}
