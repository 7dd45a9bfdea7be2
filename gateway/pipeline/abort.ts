// An AbortSignal that fires when the client goes away before the response finished: the upstream call stops too.
import type { FastifyReply } from 'fastify';

type Listener = Parameters<AbortSignal['addEventListener']>[1];

/**
 * AbortSignal's shape (what the pipeline, the provider adapters, undici and timers read: `aborted`, `reason`,
 * add/removeEventListener) without an AbortController behind it: one is built for every request, and an
 * AbortController with the upstream call's listener on it costs far more CPU than the request's other bookkeeping
 * (bench/micro.ts). Fires once, on the client's disconnect.
 */
class ClientGoneSignal implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, ev: Event) => unknown) | null = null;
  private listeners: Listener[] | undefined;

  addEventListener(type: string, listener: Listener | null): void {
    if (type !== 'abort' || !listener || this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const at = type === 'abort' && listener ? (this.listeners?.indexOf(listener) ?? -1) : -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }

  dispatchEvent(event: Event): boolean {
    const listeners = this.listeners ?? [];
    this.listeners = undefined; // every listener runs once: an abort happens once
    this.onabort?.call(this, event);
    for (const l of listeners) {
      if (typeof l === 'function') l.call(this, event);
      else l.handleEvent(event);
    }
    return true;
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DOMException('The client closed the request.', 'AbortError');
    this.dispatchEvent(new Event('abort'));
  }
}

/** A signal of the kind abortOnClientGone returns, not tied to a response yet. */
export const clientGoneSignal = (): AbortSignal & { abort(): void } => new ClientGoneSignal();

export function abortOnClientGone(reply: FastifyReply): AbortSignal {
  const signal = new ClientGoneSignal();
  const res = reply.raw;
  res.once('close', () => {
    if (!res.writableFinished) signal.abort();
  });
  return signal;
}
