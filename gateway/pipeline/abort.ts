// An AbortSignal that fires when the client goes away before the response finished: the upstream call stops too.
import type { FastifyReply } from 'fastify';

export function abortOnClientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
