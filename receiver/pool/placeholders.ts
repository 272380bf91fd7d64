// Values a server's args and env may refer to.
export interface PlaceholderValues {
  port: number;
  instance: number;
  exe: string;
}

// Each copy of the app needs its own port (and may want its number and path) in
// its arguments or environment; the config writes them once as {port} {instance} {exe}.
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(/\{(port|instance|exe)\}/g, (_, name: keyof PlaceholderValues) =>
    String(values[name]),
  );
}
