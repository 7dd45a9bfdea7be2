// Numbers as the dashboard shows them.
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');
export const usd = (n: number): string => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n !== 0 && Math.abs(n) < 1 ? 6 : 2 })}`;
export const ms = (n: number): string => `${n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 1 : 0 })} ms`;
export const num = (row: Record<string, number | string> | undefined, key: string): number => Number(row?.[key] ?? 0) || 0;
