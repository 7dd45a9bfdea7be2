// A body whose declared length is over the limit is refused with 413 — after reading and discarding what the client
// sends, up to a bound. Answering at once and closing (fastify's own way) races the client's upload: a client still
// writing then sees a broken pipe instead of the 413, and SDKs retry that as a network error.
import type { preParsingHookHandler } from 'fastify';
import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.ts';

/** At most this many bytes, for at most this long, are read and dropped; past either the connection is closed. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 5_000;

/** Resolves true when the payload ended within the bounds, false when a bound was hit first. */
function drain(payload: Readable): Promise<boolean> {
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      payload.off('data', onData).off('end', onEnd).off('error', onError);
      if (!ended) payload.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > DRAIN_MAX_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), DRAIN_MAX_MS);
    payload.on('data', onData).on('end', onEnd).on('error', onError);
    payload.resume();
  });
}

/**
 * The app's preParsing hook factory (every route), given the body limit in bytes. Callback style: nearly every request
 * is within the limit, and an async hook would cost each one a promise and a microtask turn.
 */
export function refuseOversizedBodies(limit: number): preParsingHookHandler {
  return (request, reply, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (!(declared > limit)) return done(null, payload);
    void drain(payload).then((ended) => {
      if (!ended) void reply.header('connection', 'close');
      done(new GatewayError('request_too_large', 'Request body is too large.'));
    });
  };
}
