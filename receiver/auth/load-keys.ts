import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.js";
import { whyUnreadable } from "../config/why-unreadable.js";
import type { Config } from "../config/load-config.js";

export type KeyAlg = "HS256" | "EdDSA" | "ES256";
export interface VerifyKey {
  id: string;
  alg: KeyAlg;
  key: KeyObject;
}

// Each key id gets exactly one algorithm, decided by the key's own type, so a
// token can never choose how it is checked (no HS256-with-a-public-key tricks).
export function loadKeys(config: Config): Map<string, VerifyKey> {
  const keys = new Map<string, VerifyKey>();
  config.auth.keys.forEach((k, i) => {
    if (keys.has(k.id))
      throw new ConfigError(config.file, `auth.keys[${i}].id`, `duplicate key id "${k.id}"`);
    if (k.secret !== undefined) {
      keys.set(k.id, { id: k.id, alg: "HS256", key: createSecretKey(Buffer.from(k.secret)) });
      return;
    }
    const where = `auth.keys[${i}].publicKey`;
    let key: KeyObject;
    let pem: string;
    try {
      pem = readFileSync(k.publicKey!, "utf8");
    } catch (error) {
      throw new ConfigError(
        config.file,
        where,
        `cannot read ${k.publicKey}: ${whyUnreadable(error)}`,
      );
    }
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw new ConfigError(
        config.file,
        where,
        `cannot read a PEM public key from ${k.publicKey}: ${(error as Error).message}`,
      );
    }
    keys.set(k.id, { id: k.id, alg: algOf(key, config.file, where), key });
  });
  return keys;
}

function algOf(key: KeyObject, file: string, where: string): KeyAlg {
  if (key.asymmetricKeyType === "ed25519") return "EdDSA";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1")
    return "ES256";
  throw new ConfigError(
    file,
    where,
    `unsupported key type ${key.asymmetricKeyType}; use Ed25519 or P-256 (hotswap-receiver keygen --ed25519)`,
  );
}
