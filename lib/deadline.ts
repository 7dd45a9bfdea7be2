// Timeouts that a stalled event loop cannot fake. Node runs due timers before it reads sockets, so after a stall a
// timeout would fire although the reply it waits for already arrived: give pending I/O one turn first.
export function setDeadline(expire: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(() => setImmediate(expire), ms);
}
