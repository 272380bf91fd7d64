import * as glob from "@actions/glob";

// Builds put a version in the file name, so workflows name the artifact by a pattern; a
// deploy must still be unambiguous: exactly one file, or a message listing what matched.
export async function findArtifact(pattern: string): Promise<string> {
  const globber = await glob.create(pattern, {
    matchDirectories: false,
    implicitDescendants: false,
  });
  const files = await globber.glob();
  const [file] = files;
  if (file === undefined) {
    throw new Error(`file "${pattern}" matched no file (searched from ${process.cwd()})`);
  }
  if (files.length > 1) {
    throw new Error(
      `file "${pattern}" matched ${files.length} files, it must match exactly one: ${files.join(", ")}`,
    );
  }
  return file;
}
