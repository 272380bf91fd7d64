/** A header cell: its name, or `{ num: name }` for a right-aligned number column ("" for none). */
export type Column = string | { num: string };

// The admin tables' header row.
export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === "string" ? c ? <th>{c}</th> : <th /> : <th class="num">{c.num}</th>,
        )}
      </tr>
    </thead>
  );
}

// The one row a table shows while it has none: what will fill it, across every column.
export function EmptyRow({ columns, text }: { columns: Column[]; text: string }) {
  return (
    <tr>
      <td class="empty" colspan={columns.length}>
        {text}
      </td>
    </tr>
  );
}
