/** Bad usage: a flag, a setting or a file the user must fix. Exit 2, nothing sent. */
export class UsageError extends Error {
  override name = "UsageError";
}
