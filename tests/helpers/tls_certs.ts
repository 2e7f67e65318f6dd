/**
 * Test certificates made with the real `openssl` (and `faketime` for one that has
 * expired): a CA, a server certificate for 127.0.0.1/localhost, client certificates
 * with an allowed name, a wrong name, an expired one, and one from another CA.
 */

/** Paths of the generated PEM files. */
export interface TestCerts {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  /** A second server certificate (same CA), for reload tests. */
  server2: { cert: string; key: string };
  good: { cert: string; key: string };
  wrongName: { cert: string; key: string };
  expired: { cert: string; key: string };
  otherCa: { cert: string; key: string };
  /** The allowed client name on `good` (and on `expired` and `otherCa`). */
  goodName: string;
}

async function run(cmd: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function leaf(
  dir: string,
  name: string,
  cn: string,
  ext: string,
  opts: { ca?: string; faketime?: string } = {},
): Promise<{ cert: string; key: string }> {
  const ca = opts.ca ?? "ca";
  await run([
    "openssl",
    "req",
    ...EC,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
  ], dir);
  await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
  const sign = [
    "openssl",
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-set_serial",
    String(1000 + Math.floor(Math.random() * 1e9)),
    "-out",
    `${name}.crt`,
    "-days",
    "30",
    "-extfile",
    `${name}.ext`,
  ];
  await run(opts.faketime ? ["faketime", opts.faketime, ...sign] : sign, dir);
  return { cert: `${dir}/${name}.crt`, key: `${dir}/${name}.key` };
}

/** Generates the set in a new temporary directory (remove `dir` when done). */
export async function makeTestCerts(goodName = "sbc1.example.net"): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-tls-" });
  for (const ca of ["ca", "ca2"]) {
    await run([
      "openssl",
      "req",
      "-x509",
      ...EC,
      "-keyout",
      `${ca}.key`,
      "-out",
      `${ca}.crt`,
      "-days",
      "3650",
      "-subj",
      `/CN=selrec test ${ca}`,
    ], dir);
  }
  const serverExt = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
  const clientExt = (n: string) =>
    `subjectAltName=DNS:${n}\nextendedKeyUsage=clientAuth,serverAuth\n`;
  return {
    dir,
    ca: `${dir}/ca.crt`,
    server: await leaf(dir, "server", "localhost", serverExt),
    server2: await leaf(dir, "server2", "localhost", serverExt),
    good: await leaf(dir, "good", goodName, clientExt(goodName)),
    wrongName: await leaf(dir, "wrong", "intruder.example.org", clientExt("intruder.example.org")),
    // faketime puts the whole validity (30 days) in 2020: expired long ago.
    expired: await leaf(dir, "expired", goodName, clientExt(goodName), {
      faketime: "2020-01-01 00:00:00",
    }),
    otherCa: await leaf(dir, "other", goodName, clientExt(goodName), { ca: "ca2" }),
    goodName,
  };
}

/** SHA-256 fingerprint of a PEM certificate as `AA:BB:…` (what node:tls reports). */
export async function fingerprint(certFile: string): Promise<string> {
  const out = await new Deno.Command("openssl", {
    args: ["x509", "-in", certFile, "-noout", "-fingerprint", "-sha256"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim().split("=")[1];
}
