// Why a file a config key names could not be read, in the words of the fix: the
// error code alone (EISDIR) names neither the problem nor what to do.
export function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file (check the path; relative paths start at the config file's folder)";
    case "EISDIR":
      return "it is a folder, not a file: name the file inside it";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder";
    case "EACCES":
    case "EPERM":
      return "permission denied for the user the receiver runs as";
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}
