// One headline number with its label.
export function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div class="stat">
      <div class="stat-value" data-testid={testId}>
        {value}
      </div>
      <div class="stat-label">{label}</div>
    </div>
  );
}
