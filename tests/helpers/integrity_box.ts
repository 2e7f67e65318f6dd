/** What the integrity tests share: a box directory with sealing on and no scrub, and a byte flip. */
import { join } from "node:path";

/** Flips one bit of the byte at `at` in `file` (an edit on disk the box must notice). */
export async function flipByte(file: string, at: number): Promise<void> {
  using f = await Deno.open(file, { read: true, write: true });
  const b = new Uint8Array(1);
  await f.seek(at, Deno.SeekMode.Start);
  await f.read(b);
  b[0] ^= 0x10;
  await f.seek(at, Deno.SeekMode.Start);
  await f.write(b);
}

/** A temp directory with `selrec.yaml` (sealing on, no MFA, no background scrub) and `data/`. */
export async function integrityBoxDir(
  prefix: string,
): Promise<{ dir: string; configFile: string; dataDir: string }> {
  const dir = await Deno.makeTempDir({ prefix });
  const configFile = join(dir, "selrec.yaml");
  await Deno.writeTextFile(
    configFile,
    "auth:\n  mfa: { requiredRoles: [] }\nencryption: { enabled: true }\n" +
      "scrub: { enabled: false }\n",
  );
  const dataDir = join(dir, "data");
  await Deno.mkdir(dataDir);
  return { dir, configFile, dataDir };
}
