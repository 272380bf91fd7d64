import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";

/** A fresh HS256 secret: 32 random bytes, base64url (43 characters). */
export const newSecret = () => randomBytes(32).toString("base64url");

// `keygen`: an HS256 secret, or with --ed25519 / --es256 a key pair whose
// private half goes into the GitHub secret and public half onto the server.
export function keygen(kind: "secret" | "ed25519" | "es256", out?: string): string {
  if (kind === "secret") return `${newSecret()}\n`;
  const { privateKey, publicKey } =
    kind === "ed25519"
      ? generateKeyPairSync("ed25519")
      : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const priv = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
  if (!out) return `${priv}${pub}`;
  writeFileSync(`${out}.pem`, priv, { mode: 0o600, flag: "wx" });
  writeFileSync(`${out}.pub.pem`, pub, { flag: "wx" });
  return `wrote ${out}.pem (private: put it in the GitHub secret HOTSWAP_KEY) and ${out}.pub.pem (public: auth.keys[].publicKey)\n`;
}
