// A read-only table in the dashboard's style (class "keys"): one column per header with a cell renderer, optional
// row attributes (what the tests find rows by) and an optional second row under a row (a form opened for it).
import type { ComponentChildren } from 'preact';

export interface Column<R> {
  header: string;
  cell: (row: R) => ComponentChildren;
  /** The cell's class: fixed, or from the row (a state shown in colour). */
  class?: string | ((row: R) => string);
  testId?: string;
}

export interface DataTableProps<R> {
  columns: Array<Column<R>>;
  rows: R[];
  rowKey: (row: R, index: number) => string | number;
  rowAttrs?: (row: R) => Record<string, string | number | undefined>;
  class?: string;
  /** Shown under the row across all columns when it returns something. */
  expanded?: (row: R) => ComponentChildren;
}

export function DataTable<R>({ columns, rows, rowKey, rowAttrs, class: tableClass = 'keys', expanded }: DataTableProps<R>) {
  return (
    <table class={tableClass}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.header}>{c.header}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => {
          const key = rowKey(r, i);
          const more = expanded?.(r);
          return [
            <tr key={key} {...rowAttrs?.(r)}>
              {columns.map((c) => (
                <td key={c.header} class={typeof c.class === 'function' ? c.class(r) : c.class} data-testid={c.testId}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>,
            more && (
              <tr key={`${key}:more`}>
                <td colSpan={columns.length}>{more}</td>
              </tr>
            ),
          ];
        })}
      </tbody>
    </table>
  );
}

/** A panel holding one table: its title, what comes before the table (an error line) and a line when it is empty. */
export function TablePanel<R>({ title, testId, spaced, empty, children, ...table }: DataTableProps<R> & { title: string; testId: string; spaced?: boolean; empty?: string; children?: ComponentChildren }) {
  return (
    <section class="panel" style={spaced ? { marginTop: '0.8rem' } : undefined} data-testid={testId}>
      <h3>{title}</h3>
      {children}
      <DataTable {...table} />
      {empty !== undefined && table.rows.length === 0 && <p class="empty">{empty}</p>}
    </section>
  );
}
