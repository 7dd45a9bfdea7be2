// PII out (pii_protection.scan_output): filled in with the output scanner.
import type { Stage } from './stage.ts';

export const scanOutput: Stage = {
  name: 'scan output for PII',
  run() {
    return undefined;
  },
};
