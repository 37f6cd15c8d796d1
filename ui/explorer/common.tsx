import type { ComponentChildren } from 'preact';

/** A page's frame: its heading (focused on navigation) and a message while loading or failing. */
export function Page(props: { title: string; loading?: boolean; error?: string; children?: ComponentChildren }) {
  return (
    <section aria-busy={props.loading ? 'true' : 'false'}>
      <h1 tabIndex={-1}>{props.title}</h1>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.children}
    </section>
  );
}

/** A two-column table of facts: label, value. */
export function Facts(props: { rows: [string, ComponentChildren][]; caption?: string }) {
  return (
    <table class="facts">
      {props.caption ? <caption>{props.caption}</caption> : null}
      <tbody>
        {props.rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Hash(props: { value: string; href?: string }) {
  return props.href ? (
    <a class="hash" href={props.href}>
      {props.value}
    </a>
  ) : (
    <span class="hash">{props.value}</span>
  );
}
