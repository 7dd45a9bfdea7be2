// A page over a chosen range: its title with the range picker, the error line, then the page's own content.
import type { ComponentChildren } from 'preact';
import { RangePicker, type RangeId } from './range-picker.tsx';
import { ErrorLine } from './error-line.tsx';

export function RangePage({ title, testId, range, onRange, error, children }: { title: string; testId: string; range: RangeId; onRange: (r: RangeId) => void; error: string | undefined; children: ComponentChildren }) {
  return (
    <div class="page" data-testid={testId}>
      <header class="page-head">
        <h2>{title}</h2>
        <RangePicker value={range} onChange={onRange} />
      </header>
      <ErrorLine message={error} />
      {children}
    </div>
  );
}
