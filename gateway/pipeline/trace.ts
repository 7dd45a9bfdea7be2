// Per-request state that travels through the stages and ends up in the request and response events.
import { randomUUID } from 'node:crypto';
import type { Attempt } from '../../schemas/events.ts';
import type { Usage } from '../../core/llm.ts';
import type { RequestEntities } from '../../core/governance/entities.ts';

export interface RequestTrace {
  requestId: string;
  endpoint: string;
  startedAt: number;
  keyId: string;
  teamId: string;
  userId: string;
  /** The end user (customer) the request is for: OpenAI's `user`, Anthropic's metadata.user_id ('' = none). */
  endUser: string;
  /** The request's tags (metadata.tags, x-helix-tags), deduplicated. */
  tags: string[];
  /** The team, user, customer and tag records that apply (gateway/governance): their budgets are held too. */
  entities?: RequestEntities | undefined;
  model: string;
  provider: string;
  deployment: string;
  stream: boolean;
  attempts: Attempt[];
  upstreamMs: number;
  upstreamTtfbMs: number;
  usage: Usage | undefined;
  finishReason: string;
  cache: string;
  /** The model the client asked for when the optimizer served another ('' = not swapped). */
  modelSwappedFrom: string;
  piiFindings: number;
  /** Set once the request event went out (a failure emits one otherwise). */
  requestEmitted?: boolean;
  /** Set once the response or error event went out: a request ends with exactly one. */
  finished?: boolean;
}

export const now = () => performance.now();

export function newTrace(endpoint: string, requestId: string = randomUUID()): RequestTrace {
  return {
    requestId,
    endpoint,
    startedAt: now(),
    keyId: '',
    teamId: '',
    userId: '',
    endUser: '',
    tags: [],
    model: '',
    provider: '',
    deployment: '',
    stream: false,
    attempts: [],
    upstreamMs: 0,
    upstreamTtfbMs: 0,
    usage: undefined,
    finishReason: '',
    cache: 'none',
    modelSwappedFrom: '',
    piiFindings: 0,
  };
}
