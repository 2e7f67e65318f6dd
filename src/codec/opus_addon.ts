/**
 * The libopus builds of the `@evan/opus` package, loaded so that every thread has its own.
 *
 * The native addon (N-API, `node/<arch>-<platform>.node`) encodes into one static output
 * buffer and decodes into another, both inside the shared object; its JS wrapper copies
 * the bytes out after the call. The dynamic loader maps a shared object once per process,
 * so encoders in two worker threads wrote into the same buffer at the same time: one
 * thread's packets came out with another thread's bytes (37 of 300 in
 * opus_encoder_threads_test.ts), which decode as clicks, dropouts and the other call's
 * audio. The loader keys an object by its file, so each thread here loads its own copy of
 * the addon, from a private temporary directory removed once it is mapped, and gets its own
 * buffers. The WASM build is instantiated per thread and needs no copy.
 *
 * @module
 */
import { createRequire } from "node:module";

/** Which libopus build. */
export type OpusAddonBackend = "native" | "wasm";

/** An `@evan/opus` encoder: `encode` returns a packet the caller owns. */
export interface AddonEncoder {
  ctl(cmd: number, value?: number): number;
  encode(buf: ArrayBufferView): Uint8Array;
}

/** An `@evan/opus` decoder: `decode` returns interleaved 16-bit PCM bytes the caller owns. */
export interface AddonDecoder {
  decode(buf: Uint8Array): Uint8Array;
}

/** The two classes of one build. */
export interface OpusAddon {
  Encoder: new (o: { channels: number; sample_rate: number; application: string }) => AddonEncoder;
  Decoder: new (o: { channels: number; sample_rate: number }) => AddonDecoder;
}

/** What the native module exports (the package's index.js wraps the same). */
interface NativeModule {
  Encoder: new (
    o: object,
  ) => { ctl(cmd: number, value?: number): number; encode(b: ArrayBufferView): number };
  Decoder: new (o: object) => { decode(buf: Uint8Array): number };
  buffers: { encoder(): Uint8Array; decoder(): Uint8Array };
}

const loaded = new Map<OpusAddonBackend, Promise<OpusAddon>>();

/** The build `backend` for this thread (loaded once per thread); rejects when unavailable. */
export function loadOpusAddon(backend: OpusAddonBackend): Promise<OpusAddon> {
  let p = loaded.get(backend);
  if (!p) {
    p = backend === "native" ? loadNative() : import("@evan/opus/wasm/index.mjs") as Promise<
      OpusAddon
    >;
    loaded.set(backend, p);
    p.catch(() => loaded.delete(backend));
  }
  return p;
}

let nativeError: string | null = null;

/**
 * This thread's native build, else its WASM build; the native build's load error is kept
 * for {@link opusNativeError}.
 */
export async function loadBestOpusAddon(): Promise<
  { backend: OpusAddonBackend; addon: OpusAddon }
> {
  try {
    return { backend: "native", addon: await loadOpusAddon("native") };
  } catch (err) {
    nativeError = (err as Error).message;
    return { backend: "wasm", addon: await loadOpusAddon("wasm") };
  }
}

/** Why this thread fell back to WASM (the native addon's load error), or null. */
export function opusNativeError(): string | null {
  return nativeError;
}

/** The addon's file name for this machine, as the package's index.js picks it. */
function nativeFileName(): string {
  const arch = ({ x86_64: "x64", aarch64: "arm64" } as Record<string, string>)[Deno.build.arch];
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  return `${arch ?? Deno.build.arch}-${os}.node`;
}

async function loadNative(): Promise<OpusAddon> {
  const shared = new URL(`./${nativeFileName()}`, import.meta.resolve("@evan/opus/node/index.mjs"));
  let dir: string | null = null;
  let native: NativeModule;
  try {
    dir = await Deno.makeTempDir({ prefix: "selrec-opus-" });
    const copy = `${dir}/opus.node`;
    await Deno.copyFile(shared, copy);
    native = createRequire(import.meta.url)(copy) as NativeModule;
  } catch (err) {
    let tmp = "/tmp";
    try {
      tmp = Deno.env.get("TMPDIR") || tmp;
    } catch { /* no env permission: name the default */ }
    throw new Error(
      `Cannot load this thread's copy of the Opus addon ${shared.pathname} (copied under ${tmp}): ${
        (err as Error).message
      }`,
    );
  } finally {
    // Mapped now: the file is not needed, and a copy per thread must not pile up.
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const encoded = native.buffers.encoder(), decoded = native.buffers.decoder();
  // Copied out at once: the next call of any coder of this thread reuses the buffer.
  const copyOut = (buf: Uint8Array, n: number) => Uint8Array.prototype.slice.call(buf, 0, n);
  class Encoder implements AddonEncoder {
    #raw: InstanceType<NativeModule["Encoder"]>;
    constructor(o: object) {
      this.#raw = new native.Encoder(o);
    }
    ctl(cmd: number, value?: number): number {
      return value === undefined ? this.#raw.ctl(cmd) : this.#raw.ctl(cmd, value);
    }
    encode(buf: ArrayBufferView): Uint8Array {
      return copyOut(encoded, this.#raw.encode(buf));
    }
  }
  class Decoder implements AddonDecoder {
    #raw: InstanceType<NativeModule["Decoder"]>;
    constructor(o: object) {
      this.#raw = new native.Decoder(o);
    }
    decode(buf: Uint8Array): Uint8Array {
      return copyOut(decoded, this.#raw.decode(buf));
    }
  }
  return { Encoder, Decoder };
}
