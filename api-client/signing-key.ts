import { createPrivateKey, createSecretKey, type JsonWebKey, type KeyObject } from "node:crypto";

/** A key ready to sign with, and the one algorithm it may be used with. */
export interface SigningKey {
  alg: "HS256" | "EdDSA" | "ES256";
  key: KeyObject;
}

const MIN_SECRET_BYTES = 32;

// The key input comes in the shapes a user already holds: the receiver's shared secret,
// or a private key as PEM or JWK. The algorithm follows from the key itself, so a key is
// never used with an algorithm the receiver did not pin for it. No message quotes the key.
export function signingKey(text: string): SigningKey {
  if (text.startsWith("-----BEGIN")) {
    return asymmetric(() => createPrivateKey(text), "PEM");
  }
  if (text.startsWith("{")) {
    return fromJwk(text);
  }
  return secret(Buffer.from(text, "utf8"));
}

function fromJwk(text: string): SigningKey {
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(text) as JsonWebKey;
  } catch {
    throw new Error("key starts with '{' but is not valid JSON, so it is not a JWK");
  }
  if (jwk.kty === "oct") {
    return secret(Buffer.from(String(jwk.k ?? ""), "base64url"));
  }
  if (jwk.d === undefined) {
    throw new Error(
      `key is a public ${String(jwk.kty)} JWK: pass the private key (the receiver keeps the public one)`,
    );
  }
  return asymmetric(() => createPrivateKey({ key: jwk, format: "jwk" }), "JWK");
}

function secret(bytes: Buffer): SigningKey {
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new Error(
      `key is a ${bytes.length}-byte secret; HS256 needs at least ${MIN_SECRET_BYTES} bytes (make one with: hotswap-receiver keygen)`,
    );
  }
  return { alg: "HS256", key: createSecretKey(bytes) };
}

function asymmetric(parse: () => KeyObject, form: string): SigningKey {
  let key: KeyObject;
  try {
    key = parse();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`key is not a private key in ${form} form (${reason})`);
  }
  const type = key.asymmetricKeyType;
  if (type === "ed25519") return { alg: "EdDSA", key };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === "ec" && curve === "prime256v1") return { alg: "ES256", key };
  throw new Error(
    `key is a ${type ?? "unknown"}${curve ? ` ${curve}` : ""} key; use an Ed25519 or P-256 private key, or an HS256 secret`,
  );
}
