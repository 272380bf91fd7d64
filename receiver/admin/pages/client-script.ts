import { CLIENT_COMMON } from "./client-common.js";
import { CLIENT_FORMS } from "./client-forms.js";
import { CLIENT_LIVE } from "./client-live.js";
import { CLIENT_WATCH } from "./client-watch.js";

// The admin page's only script, inline (under the page's nonce) and unbuilt:
// plain browser JavaScript in four parts, run in one scope.
export const CLIENT_SCRIPT = `"use strict";
(() => {${CLIENT_COMMON}${CLIENT_FORMS}${CLIENT_WATCH}${CLIENT_LIVE}})();
`;
