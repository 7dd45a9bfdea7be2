// For log lines that could otherwise repeat once per event (a full or broken spool): one line per interval, saying
// how many were held back since the last.

export class LogThrottle {
  private lastAt = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(private readonly intervalMs = 10_000) {}

  /** How many lines were held back since the last one let through, or undefined: hold this one back too. */
  pass(): number | undefined {
    const now = Date.now();
    if (now - this.lastAt < this.intervalMs) {
      this.held++;
      return undefined;
    }
    const held = this.held;
    this.lastAt = now;
    this.held = 0;
    return held;
  }
}
