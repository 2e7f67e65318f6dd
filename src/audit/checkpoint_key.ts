/**
 * The box's audit signing key: Ed25519 through WebCrypto, kept outside the database at
 * `<dataDir>/keys/audit-ed25519.jwk` (mode 0600, directory 0700), created on first use.
 * The public half is also written to `audit-ed25519.pub.jwk` so a third party can check
 * checkpoints offline. Ed25519 rather than HMAC for exactly that reason: verifying needs
 * no secret.
 */
import { join } from "node:path";

/** The private key file name under `<dataDir>/keys/`. */
export const KEY_FILE = "audit-ed25519.jwk";
/** The public key file name under `<dataDir>/keys/`. */
export const PUBLIC_KEY_FILE = "audit-ed25519.pub.jwk";

/** A key able to sign, with the id checkpoints carry. */
export interface SigningKey {
  keyId: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** A key able to verify. */
export interface VerifyingKey {
  keyId: string;
  publicKey: CryptoKey;
}

const ALG = { name: "Ed25519" } as const;

/** Paths of the key files for a data directory. */
export function keyPaths(dataDir: string): { dir: string; privateKey: string; publicKey: string } {
  const dir = join(dataDir, "keys");
  return { dir, privateKey: join(dir, KEY_FILE), publicKey: join(dir, PUBLIC_KEY_FILE) };
}

/** Key id: first 16 hex digits of SHA-256 over the public key's `x`. */
async function keyIdOf(x: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(x));
  return Array.from(new Uint8Array(d).subarray(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Imports a public JWK (a private JWK is accepted too: only `x` is used). */
export async function importPublicJwk(jwk: JsonWebKey): Promise<VerifyingKey> {
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new TypeError(`Cannot import audit key: expected an Ed25519 JWK, got "${jwk.kty}"`);
  }
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "OKP", crv: "Ed25519", x: jwk.x, key_ops: ["verify"], ext: true },
    ALG,
    true,
    ["verify"],
  );
  return { keyId: await keyIdOf(jwk.x), publicKey };
}

async function readJwk(path: string): Promise<JsonWebKey | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as JsonWebKey;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

async function fromPrivateJwk(jwk: JsonWebKey): Promise<SigningKey> {
  const privateKey = await crypto.subtle.importKey(
    "jwk",
    { ...jwk, key_ops: ["sign"] },
    ALG,
    false,
    [
      "sign",
    ],
  );
  const { keyId, publicKey } = await importPublicJwk(jwk);
  return { keyId, privateKey, publicKey };
}

/**
 * Loads the signing key, creating it on first use. An existing key file readable by
 * others is tightened to 0600.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const p = keyPaths(dataDir);
  const existing = await readJwk(p.privateKey);
  if (existing) {
    const st = await Deno.stat(p.privateKey);
    if (st.mode !== null && (st.mode & 0o077) !== 0) await Deno.chmod(p.privateKey, 0o600);
    return await fromPrivateJwk(existing);
  }
  await Deno.mkdir(p.dir, { recursive: true, mode: 0o700 });
  const pair = await crypto.subtle.generateKey(ALG, true, ["sign", "verify"]) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  try {
    await Deno.writeTextFile(p.privateKey, JSON.stringify(jwk) + "\n", {
      mode: 0o600,
      createNew: true,
    });
  } catch (err) {
    // Another process created it first: use theirs.
    if (err instanceof Deno.errors.AlreadyExists) return await loadOrCreateSigningKey(dataDir);
    throw err;
  }
  const pub = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  await Deno.writeTextFile(p.publicKey, JSON.stringify(pub) + "\n", { mode: 0o644 });
  return await fromPrivateJwk(jwk);
}

/**
 * Loads the verifying key of a data directory without creating one; null when absent.
 * The private key file is authoritative when readable; the public file serves otherwise.
 */
export async function loadVerifyingKey(dataDir: string): Promise<VerifyingKey | null> {
  const p = keyPaths(dataDir);
  const fromPrivate = await readJwk(p.privateKey).catch((err) => {
    if (err instanceof Deno.errors.PermissionDenied) return null;
    throw err;
  });
  const jwk = fromPrivate ?? (await readJwk(p.publicKey));
  return jwk ? await importPublicJwk(jwk) : null;
}

/** Loads a public key file given on the command line. */
export async function loadPublicKeyFile(path: string): Promise<VerifyingKey> {
  return await importPublicJwk(JSON.parse(await Deno.readTextFile(path)) as JsonWebKey);
}
