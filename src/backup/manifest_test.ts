import assert from "node:assert/strict";
import {
  type Manifest,
  MANIFEST_FORMAT,
  manifestText,
  parseManifest,
  sha256sums,
  unknownMigrations,
  verifyFiles,
} from "./manifest.ts";

const SUM = "a".repeat(64);
const manifest: Manifest = {
  format: MANIFEST_FORMAT,
  version: "0.1.0",
  created: "2026-12-01T10:00:00.000Z",
  migrations: ["0001_initial", "0002_quota_charges"],
  source: { dataDir: "/var/lib/selrec", config: "/etc/selrec/selrec.yaml", rulesDir: "/r" },
  recordings: { count: 3, bytes: 1200 },
  files: [
    { path: "data/selrec.db", role: "database", size: 4096, sha256: SUM },
    { path: "data/keys/audit-ed25519.jwk", role: "key", size: 10, sha256: "b".repeat(64) },
  ],
};

Deno.test("parseManifest() reads what manifestText() writes", () => {
  assert.deepEqual(parseManifest(manifestText(manifest)), manifest);
  assert.equal(sha256sums(manifest.files).split("\n")[0], `${SUM}  data/selrec.db`);
});

Deno.test("parseManifest() names the bad field, an escaping path, a missing database", () => {
  assert.throws(() => parseManifest("{"), /Cannot parse manifest.json/);
  const bad = (m: unknown) => () => parseManifest(JSON.stringify(m));
  assert.throws(bad({ ...manifest, format: "other/9" }), /format/);
  assert.throws(
    bad({ ...manifest, files: [{ ...manifest.files[0], path: "../etc/passwd" }] }),
    /files\.0\.path: expected a relative path/,
  );
  assert.throws(bad({ ...manifest, files: [manifest.files[1]] }), /expected one database file/);
});

Deno.test("verifyFiles() reports missing, resized and changed files", () => {
  assert.deepEqual(
    verifyFiles(manifest, [
      { path: "data/selrec.db", size: 4096, sha256: SUM },
      { path: "data/keys/audit-ed25519.jwk", size: 10, sha256: "b".repeat(64) },
    ]),
    [],
  );
  assert.deepEqual(
    verifyFiles(manifest, [{ path: "data/selrec.db", size: 4000, sha256: SUM }]),
    ["data/selrec.db: 4000 bytes, manifest says 4096", "data/keys/audit-ed25519.jwk: missing"],
  );
  assert.deepEqual(
    verifyFiles(manifest, [
      { path: "data/selrec.db", size: 4096, sha256: "c".repeat(64) },
      { path: "data/keys/audit-ed25519.jwk", missing: true },
    ]),
    ["data/selrec.db: SHA-256 differs from the manifest", "data/keys/audit-ed25519.jwk: missing"],
  );
  assert.deepEqual(unknownMigrations(manifest, ["0001_initial"]), ["0002_quota_charges"]);
});
