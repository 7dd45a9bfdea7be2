// Timeouts that a stalled event loop cannot fake. Node runs due timers before it reads sockets, so after a stall a
// timeout would fire although the reply it waits for already arrived: give pending I/O one turn first.
export function setDeadline(expire: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(() => setImmediate(expire), ms);
}

/** `promise`, or the error `onTimeout` makes when it has not settled within `ms` (a deadline as above). */
export function raceDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setDeadline(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
