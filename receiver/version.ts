declare const __HOTSWAP_VERSION__: string | undefined;

/** The package version, set by the bundler; "dev" when run from source. */
export const VERSION = typeof __HOTSWAP_VERSION__ === "string" ? __HOTSWAP_VERSION__ : "dev";
