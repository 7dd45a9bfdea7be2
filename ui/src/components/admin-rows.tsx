// What the Keys and Teams tables share: an admin call run from a row (the table reloads, with the gateway's message
// when it refused), the block/delete buttons around a row's own ones, and the models and state columns.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Column } from './data-table.tsx';

export type OnChanged = (error?: string) => void;

export async function act(onChanged: OnChanged, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    onChanged();
  } catch (err) {
    onChanged((err as Error).message);
  }
}

/** The error of the last action, and what an action calls when done: the table reloads either way. */
export function useActionError(reload: () => void): { actionError: string | undefined; changed: OnChanged } {
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const changed = (err?: string) => {
    setActionError(err);
    reload();
  };
  return { actionError, changed };
}

export function RowActions(props: {
  blocked: boolean | undefined;
  setBlocked: (blocked: boolean) => Promise<unknown>;
  deleteQuestion: string;
  remove: () => Promise<unknown>;
  onChanged: OnChanged;
  children: ComponentChildren;
}) {
  const { blocked, setBlocked, deleteQuestion, remove, onChanged, children } = props;
  return (
    <>
      <button type="button" onClick={() => void act(onChanged, () => setBlocked(!blocked))}>
        {blocked ? 'Unblock' : 'Block'}
      </button>
      {children}
      <button type="button" class="danger" onClick={() => window.confirm(deleteQuestion) && void act(onChanged, remove)}>
        Delete
      </button>
    </>
  );
}

export const modelsColumn = <R extends { models: string[] }>(): Column<R> => ({ header: 'models', cell: (r) => (r.models.length ? r.models.join(', ') : 'all') });

export const stateColumn = <R extends { blocked?: boolean }>(): Column<R> => ({ header: 'state', cell: (r) => (r.blocked ? 'blocked' : 'active'), class: (r) => (r.blocked ? 'blocked' : 'active') });
