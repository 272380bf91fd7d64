// zod for the receiver: its "mini" build, whose functions (z.optional(s), s.check(…))
// leave out what a bundle does not call, so the config, pid-file, swap-record and
// release schemas cost a tenth of the bytes the chained API does. Import it as
// `import * as z from "…/zod.js"`: a namespace import is what lets esbuild drop the rest.
// zod/mini has no messages of its own ("Invalid input" for every issue); the English
// ones are loaded here, once, for every schema.
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";
