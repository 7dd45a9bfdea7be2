// Structured logs (pino). Never log prompts, keys or PII values: log ids and counts.
import { pino } from 'pino';

export const logger = pino({
  level: process.env.HELIX_LOG_LEVEL ?? (process.env.HELIX_TEST ? 'warn' : 'info'),
  base: { svc: process.env.HELIX_SERVICE ?? 'helix' },
  redact: { paths: ['*.authorization', '*.api_key', 'headers.authorization', 'req.headers.authorization'], remove: true },
});
export type Logger = typeof logger;
