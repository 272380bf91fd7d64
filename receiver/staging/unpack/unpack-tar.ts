import { createReadStream } from "node:fs";
import { Parser, type ReadEntry } from "tar";
import type { ReleaseTree } from "./release-tree.js";
import { UnpackError, shown } from "./unpack-error.js";

// Small reads bound what one chunk can inflate to in memory (deflate tops out
// near 1:1032, so 16 MiB) before the byte count sees it.
const READ_CHUNK = 16 * 1024;

// Only tar's parser is used, never its extractor: each entry is handed to the
// ReleaseTree, which checks it and writes it, one at a time. tar's own
// decompression-ratio guard is off because maxUnpackedBytes, counted on the
// bytes actually streamed, is the one limit (one rule, one error code).
export function unpackTar(file: string, tree: ReleaseTree): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = createReadStream(file, { highWaterMark: READ_CHUNK });
    const parser = new Parser({ strict: true, maxDecompressionRatio: Infinity });
    const stop = new AbortController();
    let work = Promise.resolve();
    // Stops reading, ends the entry being written (so its file is closed before
    // the caller removes the folder), and rejects once the writing has stopped.
    const fail = (error: unknown) => {
      if (stop.signal.aborted) return;
      stop.abort(error);
      input.destroy();
      parser.abort(error instanceof Error ? error : new Error(String(error)));
      void work.finally(() => reject(error));
    };
    parser.on("entry", (entry: ReadEntry) => {
      entry.pause();
      const next = () => (stop.signal.aborted ? undefined : unpackEntry(entry, tree, stop.signal));
      work = work.then(next).catch(fail);
    });
    // tar skips what it cannot place (unknown types, huge headers); a release may not.
    parser.on("ignoredEntry", (entry: ReadEntry) => fail(unsupported(entry.path, entry.type)));
    parser.on("error", (error: Error) => fail(corrupt(error)));
    parser.on("end", () => void work.then(() => (stop.signal.aborted ? undefined : resolve())));
    input.on("error", fail);
    input.pipe(parser);
  });
}

// An entry becomes a folder, a file, a symlink or a hard link; anything else
// (devices, FIFOs) is refused before anything is made for it.
async function unpackEntry(entry: ReadEntry, tree: ReleaseTree, stop: AbortSignal) {
  switch (entry.type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
      return tree.file(entry.path, entry.mode, until(stop, entry), entry.size);
    case "Directory":
      entry.resume();
      return tree.directory(entry.path);
    case "SymbolicLink":
      entry.resume();
      return tree.symlink(entry.path, entry.linkpath ?? "");
    case "Link":
      entry.resume();
      return tree.hardLink(entry.path, entry.linkpath ?? "");
    default:
      throw unsupported(entry.path, entry.type);
  }
}

// An entry's data, chunk by chunk, that ends with the unpack's failure: a
// truncated archive never ends the entry it cuts, and its file must be closed.
// (Not a Promise.race against one "stopped" promise: each race would leave a
// reaction on it holding that chunk, and the whole file would stay in memory.)
async function* until(stop: AbortSignal, entry: ReadEntry): AsyncGenerator<Buffer> {
  const onAbort = () => entry.destroy();
  stop.addEventListener("abort", onAbort, { once: true });
  try {
    const chunks = entry[Symbol.asyncIterator]();
    for (;;) {
      stop.throwIfAborted(); // before next(): a destroy after it rejects the wait
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    stop.removeEventListener("abort", onAbort);
  }
}

function unsupported(name: string, type: string): UnpackError {
  return new UnpackError(
    "ERR_ARCHIVE_ENTRY_TYPE",
    `entry ${shown(name)} is a ${type}, which a release may not hold (only files, ` +
      "folders and links); leave it out of the artifact",
    name,
  );
}

function corrupt(error: Error): UnpackError {
  return new UnpackError(
    "ERR_ARCHIVE_CORRUPT",
    `the tar.gz is damaged or truncated (${error.message}); upload it again, ` +
      "or check it with tar -tzf",
    undefined,
    { cause: error },
  );
}
