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
    const [folder] = await (
      await glob.create(pattern, { matchDirectories: true, implicitDescendants: false })
    ).glob();
    if (folder !== undefined) throw new Error(folderMessage(pattern, folder));
    throw new Error(`file "${pattern}" matched no file (searched from ${process.cwd()})`);
  }
  if (files.length > 1) {
    throw new Error(
      `file "${pattern}" matched ${files.length} files, it must match exactly one: ${files.join(", ")}`,
    );
  }
  return file;
}

// A folder is deployed as an archive the workflow builds (a .tar.gz or .zip for a folder
// app): the digest that the token binds is then the bytes of one file, which the workflow
// can keep or attest, and building it in the workflow says how (an archive the action
// made itself would differ in its dates on every run, so "already live" never matched).
function folderMessage(pattern: string, folder: string): string {
  return (
    `file "${pattern}" matched the folder ${folder}, not a file: archive it first and deploy ` +
    `the archive to a folder app (dir: in the receiver's config), for example in a step before: ` +
    `tar czf app.tar.gz -C ${JSON.stringify(pattern)} . and then file: app.tar.gz`
  );
}
