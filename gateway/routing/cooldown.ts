// Takes a deployment out of rotation for `cooldown_time` after `allowed_fails` consecutive failures.
export class Cooldowns {
  private readonly failures = new Map<string, number>();
  private readonly until = new Map<string, number>();

  constructor(
    private readonly allowedFails: number,
    private readonly cooldownMs: number,
  ) {}

  isCooling(id: string, now = Date.now()): boolean {
    const t = this.until.get(id);
    if (t === undefined) return false;
    if (t > now) return true;
    this.until.delete(id);
    this.failures.delete(id);
    return false;
  }

  success(id: string): void {
    this.failures.delete(id);
  }

  failure(id: string, now = Date.now()): void {
    const n = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, n);
    if (n > this.allowedFails) this.until.set(id, now + this.cooldownMs);
  }
}
