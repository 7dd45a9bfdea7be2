// What a webhook endpoint receives for an anomaly: the JSON payload (documented in docs/webhooks.md) or a
// Slack-compatible incoming-webhook message. Both are signed the same way.
import type { AnomalyEvent } from '../../schemas/events/anomaly.ts';
import type { WebhookEndpoint } from '../../schemas/config/analytics.ts';
import { formatMetric } from '../anomaly/anomaly-event.ts';

export const PAYLOAD_VERSION = 1;

function parseDetails(details: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(details);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function jsonPayload(a: AnomalyEvent) {
  return {
    /** The anomaly id: the same on every retry, so receivers can drop duplicates. */
    id: a.event_id,
    type: 'anomaly' as const,
    version: PAYLOAD_VERSION,
    created_at: a.ts,
    anomaly: {
      kind: a.kind,
      severity: a.severity,
      dimension: a.dimension,
      entity: a.entity,
      key_id: a.key_id,
      team_id: a.team_id,
      user_id: a.user_id,
      metric: a.metric,
      observed: a.observed,
      baseline: a.baseline,
      threshold: a.threshold,
      score: a.score,
      samples: a.samples,
      window_start: a.window_start,
      window_seconds: a.window_seconds,
      summary: a.summary,
      details: parseDetails(a.details),
    },
  };
}

export function slackPayload(a: AnomalyEvent) {
  const icon = a.severity === 'critical' ? ':rotating_light:' : ':warning:';
  const field = (label: string, value: string) => ({ type: 'mrkdwn', text: `*${label}*\n${value}` });
  return {
    text: `${icon} ${a.summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${a.summary}*` } },
      {
        type: 'section',
        fields: [
          field('Kind', a.kind),
          field('Severity', a.severity),
          field(a.dimension, `\`${a.entity}\``),
          field('Observed', formatMetric(a.metric, a.observed)),
          field('Baseline', formatMetric(a.metric, a.baseline)),
          field('Window', `${a.window_start} (${a.window_seconds} s)`),
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Helix anomaly ${a.event_id}` }] },
    ],
  };
}

export function renderBody(a: AnomalyEvent, format: WebhookEndpoint['format']): string {
  return JSON.stringify(format === 'slack' ? slackPayload(a) : jsonPayload(a));
}

/** Does this endpoint want this anomaly? */
export function wants(endpoint: WebhookEndpoint, a: AnomalyEvent): boolean {
  if (endpoint.kinds.length > 0 && !endpoint.kinds.includes(a.kind)) return false;
  return endpoint.min_severity === 'warning' || a.severity === 'critical';
}
