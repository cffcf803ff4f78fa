import { FormError } from './Field';

/** QueryState shows a list query's loading state and its error, if any. */
export function QueryState({ q }: { q: { isPending: boolean; error: Error | null } }) {
  return (
    <>
      {q.isPending && <p>Loading…</p>}
      {q.error && <FormError message={q.error.message} />}
    </>
  );
}

/** ActionsHeader is the header cell of a row-actions column, named for screen readers only. */
export function ActionsHeader() {
  return (
    <th scope="col">
      <span className="sr-only">Actions</span>
    </th>
  );
}
