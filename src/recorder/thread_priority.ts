/**
 * Set the calling thread's CPU priority (Linux nice value, per thread) through libc by
 * FFI. The encoder workers lower theirs so that when the CPU runs short, encoding waits
 * (its batches spill to the journal and are encoded later), and the capture worker
 * raises its own where allowed: it cannot wait without losing packets.
 */

const PRIO_PROCESS = 0;
/** gettid(2) on x86-64 and aarch64 Linux. */
const SYS_GETTID: Record<string, number> = { x86_64: 186, aarch64: 178 };

/** Result of {@link niceThisThread}: the nice value set, or why it was not. */
export type NiceResult = { nice: number; tid: number } | { error: string };

/**
 * Set the calling thread's nice value (-20..19; below the current one needs
 * CAP_SYS_NICE or a matching RLIMIT_NICE). Never throws.
 */
export function niceThisThread(nice: number): NiceResult {
  const gettid = SYS_GETTID[Deno.build.arch];
  if (Deno.build.os !== "linux" || gettid === undefined) {
    return { error: `thread priority is not supported on ${Deno.build.os}/${Deno.build.arch}` };
  }
  let lib: Deno.DynamicLibrary<typeof symbols> | null = null;
  const symbols = {
    syscall: { parameters: ["i64"], result: "i64" },
    setpriority: { parameters: ["i32", "u32", "i32"], result: "i32" },
  } as const;
  try {
    lib = Deno.dlopen("libc.so.6", symbols);
    const tid = Number(lib.symbols.syscall(BigInt(gettid)));
    if (tid <= 0) return { error: "gettid failed" };
    if (lib.symbols.setpriority(PRIO_PROCESS, tid, nice) !== 0) {
      return { error: `setpriority(${tid}, ${nice}) failed` };
    }
    return { nice, tid };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    lib?.close();
  }
}
