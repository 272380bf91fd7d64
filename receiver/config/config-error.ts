// One line that names the file, the key and the reason: what a user needs to fix a config.
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${file}: ${key ? `${key}: ` : ""}${reason}`);
    this.name = "ConfigError";
  }
}
