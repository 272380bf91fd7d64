import * as core from "@actions/core";
import { inGroup, type LogLines, type Out } from "../api-client/out.js";
import { untrusted } from "./untrusted.js";

// The workflow log as the shared client code writes it: @actions/core's lines and groups,
// the receiver's words fenced off so they cannot run workflow commands. Tests pass a
// recorder for `lines` and a fixed fence token.
export function workflowLog(lines: LogLines = core, token?: string): Out {
  return {
    info: (message) => lines.info(message),
    startGroup: (name) => lines.startGroup(name),
    endGroup: () => lines.endGroup(),
    warning: (message) => lines.warning(message),
    error: (message) => lines.error(message),
    untrusted: (text) => untrusted(text, lines, token),
    group: (name, fn) => inGroup(lines, name, fn),
  };
}
