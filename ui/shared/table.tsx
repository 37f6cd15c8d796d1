/** A column: its heading, and `num` for right-aligned numbers. */
export type Column = string | [heading: string, align: 'num'];

/** A table's header row from its column names (every table of both pages has one). */
export function Head({ cols }: { cols: Column[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c) =>
          typeof c === 'string' ? (
            <th scope="col" key={c}>
              {c}
            </th>
          ) : (
            <th scope="col" class={c[1]} key={c[0]}>
              {c[0]}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
