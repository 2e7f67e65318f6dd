/**
 * Whether OpenSSL would run OPENSSL_cleanup() from its atexit handler in a Deno process.
 * That handler frees libcrypto's global state on the exiting thread while other threads
 * may still be in OpenSSL (openssl/openssl#6214); CI saw it as a heap corruption after a
 * test module had passed. The child runs `prelude` (which loads libcrypto the way the code
 * under test does), then registers libc's abort() with OPENSSL_atexit(): the cleanup calls
 * its atexit hooks, so a child that cleans up at exit dies of SIGABRT and one that does not
 * exits 0.
 */
/**
 * The prelude of a child that initialises OpenSSL first the way its own EVP calls do
 * (OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS), which registers the atexit.
 */
export const DEFAULT_INIT_FIRST = `
Deno.dlopen("libcrypto.so.3", {
  OPENSSL_init_crypto: { parameters: ["u64", "pointer"], result: "i32" },
}).symbols.OPENSSL_init_crypto(0x0cn, null);
`;

/** Runs the child; "cleanup at exit" or "no cleanup", or throws with its output. */
export async function openSslExitBehaviour(prelude: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-openssl-exit-" });
  try {
    const script = `${dir}/child.ts`;
    await Deno.writeTextFile(
      script,
      `${prelude}
const libc = Deno.dlopen("libc.so.6", {
  dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
});
const abort = libc.symbols.dlsym(null, new TextEncoder().encode("abort\\0"));
if (abort === null) throw new Error("no abort() in libc");
const ssl = Deno.dlopen("libcrypto.so.3", {
  OPENSSL_atexit: { parameters: ["pointer"], result: "i32" },
});
if (ssl.symbols.OPENSSL_atexit(abort) !== 1) throw new Error("OPENSSL_atexit refused");
console.log("registered");
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    if (!text.includes("registered")) throw new Error(`child failed before exit:\n${text}`);
    if (out.signal === "SIGABRT") return "cleanup at exit";
    if (out.success) return "no cleanup";
    throw new Error(`child exited ${out.code} (${out.signal}):\n${text}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
