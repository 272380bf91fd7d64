import { ConfigError } from "./config-error.js";

// `${VAR}` in any string value, expanded after YAML parsing so a secret with
// YAML-special characters cannot change the document's structure.
export function expandEnv(
  value: unknown,
  file: string,
  env: NodeJS.ProcessEnv,
  path = "",
): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        throw new ConfigError(file, path, `environment variable ${name} is not set`);
      }
      return found;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => expandEnv(item, file, env, `${path}[${i}]`));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        expandEnv(v, file, env, path ? `${path}.${k}` : k),
      ]),
    );
  }
  return value;
}
