import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const KEY_BYTES = 32;

// Sessions must survive a restart of the receiver, so the signing key lives in
// the data folder (mode 0600) rather than in memory; and they must all end when
// the password changes, so the key that signs is derived from it and the hash.
export function loadSessionKey(dataDir: string, passwordHash: string): Buffer {
  const file = join(dataDir, "admin-session.key");
  let key: Buffer | undefined;
  try {
    key = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (key?.length !== KEY_BYTES) {
    key = randomBytes(KEY_BYTES);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, key, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return createHmac("sha256", key).update(`hotswap admin session\0${passwordHash}`).digest();
}
