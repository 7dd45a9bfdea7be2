// Who a request is for, besides the key that pays: its end user (OpenAI's `user` field; Anthropic's
// `metadata.user_id`) and its tags (`metadata.tags`, LiteLLM's convention, and the `x-helix-tags` / LiteLLM's
// `x-litellm-tags` header, comma-separated). Both are client input: bounded, printable, refused with a 400 naming
// the field otherwise. The tags are Helix's own: they are taken out of the body before it goes upstream, where a
// provider would refuse them (OpenAI's metadata holds strings only, Anthropic's only `user_id`).
import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from '../../lib/is-record.ts';
import { ATTRIBUTION_LIMITS } from '../../schemas/events/attribution.ts';
import { clip, GatewayError } from '../errors.ts';

export interface Attribution {
  /** '' = none. */
  endUser: string;
  /** Deduplicated, in the order given (body first, then the headers). */
  tags: string[];
}

/** Whose body shape a route takes: OpenAI's (chat, completions, embeddings, responses) or Anthropic's (messages). */
export type BodyShape = 'openai' | 'anthropic';

export const TAG_HEADERS = ['x-helix-tags', 'x-litellm-tags'] as const;

// C0/C1 controls and DEL: never part of a name that ends up in events, logs, headers and Redis keys.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const invalid = (param: string, message: string) => new GatewayError('invalid_request', message, { param });

function endUserOf(body: Record<string, unknown>, shape: BodyShape): string {
  const param = shape === 'anthropic' ? 'metadata.user_id' : 'user';
  const value = shape === 'anthropic' ? (isRecord(body.metadata) ? body.metadata.user_id : undefined) : body.user;
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalid(param, `Invalid '${param}': expected a string.`);
  if (value.length > ATTRIBUTION_LIMITS.endUserChars) throw invalid(param, `Invalid '${param}': string too long. Expected a string with maximum length ${ATTRIBUTION_LIMITS.endUserChars}, but got a string with length ${value.length} instead.`);
  if (CONTROL.test(value)) throw invalid(param, `Invalid '${param}': control characters are not allowed.`);
  return value;
}

/** The tags a list names, checked one by one as they are added. */
function addTags(into: Set<string>, raw: readonly unknown[], param: string): void {
  for (const item of raw) {
    if (typeof item !== 'string') throw invalid(param, `Invalid '${param}': expected an array of strings.`);
    const tag = item.trim();
    if (tag === '') continue;
    if (tag.length > ATTRIBUTION_LIMITS.tagChars) throw invalid(param, `Invalid '${param}': a tag is at most ${ATTRIBUTION_LIMITS.tagChars} characters ("${clip(tag, 80)}" has ${tag.length}).`);
    if (CONTROL.test(tag)) throw invalid(param, `Invalid '${param}': control characters are not allowed in tags.`);
    into.add(tag);
    if (into.size > ATTRIBUTION_LIMITS.tags) throw invalid(param, `Invalid '${param}': at most ${ATTRIBUTION_LIMITS.tags} distinct tags per request.`);
  }
}

function tagsOf(body: Record<string, unknown>, headers: IncomingHttpHeaders): string[] {
  const tags = new Set<string>();
  const listed = isRecord(body.metadata) ? body.metadata.tags : undefined;
  if (listed !== undefined && listed !== null) {
    // A string is a comma-separated list: where metadata must be a map of strings (the Responses API), that is its form.
    if (typeof listed === 'string') addTags(tags, listed.split(','), 'metadata.tags');
    else if (Array.isArray(listed)) addTags(tags, listed, 'metadata.tags');
    else throw invalid('metadata.tags', "Invalid 'metadata.tags': expected an array of strings or a comma-separated string.");
  }
  for (const name of TAG_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    addTags(tags, (Array.isArray(value) ? value.join(',') : value).split(','), name);
  }
  return [...tags];
}

/** The end user and tags of a request; throws a 400 (invalid_request, naming the field) for values out of bounds. */
export function attributionOf(body: unknown, headers: IncomingHttpHeaders, shape: BodyShape): Attribution {
  if (!isRecord(body)) return { endUser: '', tags: tagsOf({}, headers) };
  return { endUser: endUserOf(body, shape), tags: tagsOf(body, headers) };
}

/**
 * The body as a provider may see it. OpenAI's metadata is a map of strings: `tags` and any non-string entry are
 * dropped (the whole field when nothing is left). Anthropic's metadata holds `user_id` alone. The body is returned
 * as it is when nothing needs to go.
 */
export function upstreamMetadata<T>(body: T, shape: BodyShape): T {
  if (!isRecord(body) || !isRecord(body.metadata)) return body;
  const metadata = body.metadata;
  const keep = (key: string, value: unknown) => (shape === 'anthropic' ? key === 'user_id' : key !== 'tags' && typeof value === 'string');
  if (Object.entries(metadata).every(([key, value]) => keep(key, value))) return body;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([key, value]) => keep(key, value)));
  const { metadata: _dropped, ...rest } = body;
  return (Object.keys(kept).length > 0 ? { ...rest, metadata: kept } : rest) as T;
}
