// Budget and rate limits of a team or a key, as the admin API sets them (/team/update, /key/update): an empty field
// clears the setting (null), the gateway checks the values and its message is shown when it refuses them.
import { useState } from 'preact/hooks';
import { ErrorLine } from './error-line.tsx';

export interface Limits {
  max_budget?: number | null;
  budget_duration?: string | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
}

type Field = keyof Limits;
const FIELDS: Array<{ name: Field; label: string; numeric: boolean; placeholder: string }> = [
  { name: 'max_budget', label: 'budget (USD)', numeric: true, placeholder: 'none' },
  { name: 'budget_duration', label: 'budget period', numeric: false, placeholder: 'e.g. 30d, 1mo' },
  { name: 'rpm_limit', label: 'requests / minute', numeric: true, placeholder: 'none' },
  { name: 'tpm_limit', label: 'tokens / minute', numeric: true, placeholder: 'none' },
];

const shown = (v: number | string | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** The form's text as the admin API's values: '' → null, numbers parsed; an error message when one is not a number. */
export function limitsFrom(text: Record<Field, string>): Limits | string {
  const out: Record<string, number | string | null> = {};
  for (const f of FIELDS) {
    const raw = text[f.name].trim();
    const n = Number(raw);
    if (f.numeric && raw !== '' && !(Number.isFinite(n) && n >= 0)) return `${f.label} must be a number, 0 or more.`;
    out[f.name] = raw === '' ? null : f.numeric ? n : raw;
  }
  return out as Limits;
}

export function LimitsForm({ initial, onSave, onCancel, testId }: { initial: Limits; onSave: (l: Limits) => Promise<void>; onCancel: () => void; testId: string }) {
  const [text, setText] = useState<Record<Field, string>>(() => ({
    max_budget: shown(initial.max_budget),
    budget_duration: shown(initial.budget_duration),
    rpm_limit: shown(initial.rpm_limit),
    tpm_limit: shown(initial.tpm_limit),
  }));
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    const limits = limitsFrom(text);
    if (typeof limits === 'string') return setError(limits);
    try {
      await onSave(limits);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="panel create-key" data-testid={testId} onSubmit={(e) => void submit(e)}>
      {FIELDS.map((f) => (
        <label key={f.name}>
          {f.label}
          <input
            name={f.name}
            value={text[f.name]}
            placeholder={f.placeholder}
            maxLength={32}
            inputMode={f.numeric ? 'decimal' : 'text'}
            onInput={(e) => setText({ ...text, [f.name]: e.currentTarget.value })}
          />
        </label>
      ))}
      <button type="submit">Save limits</button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <ErrorLine message={error} />
    </form>
  );
}

/** "$5.00 / 30d · 60 rpm · 10,000 tpm", or "—" when nothing is set. */
export function limitsText(l: Limits, usd: (n: number) => string): string {
  const parts: string[] = [];
  if (l.max_budget != null) parts.push(`${usd(l.max_budget)}${l.budget_duration ? ` / ${l.budget_duration}` : ''}`);
  if (l.rpm_limit != null) parts.push(`${l.rpm_limit.toLocaleString('en-US')} rpm`);
  if (l.tpm_limit != null) parts.push(`${l.tpm_limit.toLocaleString('en-US')} tpm`);
  return parts.length ? parts.join(' · ') : '—';
}
