// resedit's own declarations carry `/// <reference lib="dom" />` (from pe-library),
// which would put the DOM's fetch, streams and globals into every file of this
// Node project. So the receiver imports resedit through this file, and TypeScript
// reads resedit.d.ts beside it, which types only the part used here.
export { NtExecutable, NtExecutableResource, Resource } from "resedit";
