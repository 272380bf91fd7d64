export interface PostButtonProps {
  action: string;
  csrf: string;
  label: string;
  kind?: "primary" | "danger" | "plain";
  small?: boolean;
  /** Extra form fields, e.g. the release to roll back to. */
  fields?: Record<string, string>;
  disabled?: boolean;
  title?: string;
}

// Every admin action is a real form (it works without the script), carrying the
// session's token as _csrf; the page's script posts it with fetch instead.
export function PostButton(props: PostButtonProps) {
  const classes = ["btn", props.kind ?? "plain", props.small ? "small" : ""].join(" ").trim();
  return (
    <form class="inline" method="post" action={props.action} data-action="post">
      <input type="hidden" name="_csrf" value={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button class={classes} type="submit" disabled={props.disabled} title={props.title}>
        {props.label}
      </button>
    </form>
  );
}
