/** Where in the config file a mistake is: 1-based, as editors count. */
export interface ConfigPlace {
  line: number;
  col: number;
}

// One line that names the file (and the line where YAML has one), the key and the
// reason: what a user needs to fix a config, fit for a log line. `excerpt`, when
// given, is what the command line prints below it: the offending line and a caret.
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly reason: string,
    readonly place?: ConfigPlace,
    readonly excerpt?: string,
  ) {
    const where = place ? `${file}:${place.line}:${place.col}` : file;
    super(`${where}: ${key ? `${key}: ` : ""}${reason}`);
    this.name = "ConfigError";
  }

  /** The same error at a place in the file, found once the YAML is at hand. */
  at(place: ConfigPlace | undefined, reason = this.reason): ConfigError {
    return new ConfigError(this.file, this.key, reason, place ?? this.place, this.excerpt);
  }
}
