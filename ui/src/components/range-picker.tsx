// The range every chart of a page covers (the gateway's RANGES in gateway/dashboard/queries.ts).
export const RANGE_IDS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type RangeId = (typeof RANGE_IDS)[number];
export const RANGE_SECONDS: Record<RangeId, number> = { '1h': 3_600, '6h': 21_600, '24h': 86_400, '7d': 604_800, '30d': 2_592_000 };

export function RangePicker({ value, onChange }: { value: RangeId; onChange: (r: RangeId) => void }) {
  return (
    <div class="range" role="group" aria-label="Range">
      {RANGE_IDS.map((r) => (
        <button type="button" key={r} class={r === value ? 'on' : ''} aria-pressed={r === value} onClick={() => onChange(r)}>
          {r}
        </button>
      ))}
    </div>
  );
}
