// Load-balancing strategies over the healthy deployments of one model group.
// In-flight counts and latency averages are per process on purpose: they are short-lived signals, not state.
import type { Deployment } from '../../core/deployments.ts';

export type Strategy = 'simple-shuffle' | 'least-busy' | 'latency-based-routing' | 'usage-based-routing';

export class DeploymentStats {
  private readonly inflight = new Map<string, number>();
  private readonly latencyEwma = new Map<string, number>();

  begin(id: string): void {
    this.inflight.set(id, (this.inflight.get(id) ?? 0) + 1);
  }

  end(id: string, latencyMs: number | undefined): void {
    this.inflight.set(id, Math.max(0, (this.inflight.get(id) ?? 1) - 1));
    if (latencyMs !== undefined) {
      const prev = this.latencyEwma.get(id);
      this.latencyEwma.set(id, prev === undefined ? latencyMs : prev * 0.8 + latencyMs * 0.2);
    }
  }

  busy(id: string): number {
    return this.inflight.get(id) ?? 0;
  }

  latency(id: string): number {
    return this.latencyEwma.get(id) ?? 0;
  }
}

/** Weighted random pick: `weight`, else `rpm`, else 1 — LiteLLM's simple-shuffle. */
function weightedShuffle(list: Deployment[]): Deployment {
  const weights = list.map((d) => d.params.weight ?? d.params.rpm ?? 1);
  let r = Math.random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < list.length; i++) {
    r -= weights[i]!;
    if (r <= 0) return list[i]!;
  }
  return list[list.length - 1]!;
}

function minBy(list: Deployment[], score: (d: Deployment) => number): Deployment {
  let best = list[0]!;
  let bestScore = score(best);
  for (const d of list.slice(1)) {
    const s = score(d);
    if (s < bestScore || (s === bestScore && Math.random() < 0.5)) {
      best = d;
      bestScore = s;
    }
  }
  return best;
}

export function pickDeployment(strategy: Strategy, candidates: Deployment[], stats: DeploymentStats): Deployment {
  if (candidates.length === 1) return candidates[0]!;
  switch (strategy) {
    case 'least-busy':
    case 'usage-based-routing':
      return minBy(candidates, (d) => stats.busy(d.id));
    case 'latency-based-routing':
      return minBy(candidates, (d) => stats.latency(d.id));
    default:
      return weightedShuffle(candidates);
  }
}
