// Values a server's args and env may refer to.
export interface PlaceholderValues {
  port: number;
  instance: number;
  exe: string;
  /** The release folder a folder app's server runs in; exe's folder otherwise. */
  release?: string;
  /** Socket mode: the descriptor the server accepts on (3). */
  fd?: number;
}

// Each copy of the app needs its own port (and may want its number and path) in
// its arguments or environment; the config writes them once as {port} {instance} {exe}.
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(
    /\{(port|instance|exe|release|fd)\}/g,
    (whole, name: keyof PlaceholderValues) => String(values[name] ?? whole),
  );
}
