/**
 * Debian's `baresip` (1.0) as an independent SIP client for interop tests: one call from
 * a throw-away config directory (`baresip -f DIR`) over SIP/TLS with SDES SRTP
 * (`mediaenc=srtp-mand`, module srtp.so), the microphone replaced by a WAV file
 * (module aufile.so) and the speaker by the aubridge module (nothing is played). The
 * call is dialled with `-e "/dial URI"` and baresip quits after `-t SECONDS`, which
 * hangs the call up with a BYE.
 */

/** What {@link runBaresipCall} needs. */
export interface BaresipCallOptions {
  /** SIP URI to dial, e.g. `sip:rec@127.0.0.1:5061;transport=tls`. */
  dial: string;
  /** PEM CA file the recorder's certificate chains to (`sip_cafile`). */
  caFile: string;
  /** 8 kHz mono 16-bit WAV sent as the caller's audio. */
  wavFile: string;
  /** baresip quits (BYE) this many seconds after start. */
  seconds: number;
  /** Media encryption of the account (default `srtp-mand`). */
  mediaenc?: string;
  /** The account's AOR (default `sip:caller@127.0.0.1`). */
  aor?: string;
}

/** baresip's exit, its output (with the SIP trace) and the config dir (remove it). */
export interface BaresipResult {
  code: number;
  output: string;
  dir: string;
}

/** Modules baresip loads; each must exist in Debian's baresip-core. */
export const BARESIP_MODULES = [
  "g711.so",
  "aufile.so",
  "aubridge.so",
  "srtp.so",
  "account.so",
  "menu.so",
];

const MODULE_PATH = "/usr/lib/baresip/modules";

/**
 * The `config` and `accounts` files of one call. baresip listens on ports the kernel picks
 * (port 0): a port found free beforehand can be taken by a parallel test before baresip
 * binds it, and baresip also binds the next port up for TLS ("SIP/TLS transport failed:
 * Address already in use" in CI).
 */
export function baresipFiles(o: BaresipCallOptions): Record<string, string> {
  const config = [
    "poll_method epoll",
    "net_interface 127.0.0.1",
    "sip_listen 127.0.0.1:0",
    `sip_cafile ${o.caFile}`,
    `audio_source aufile,${o.wavFile}`,
    "audio_player aubridge,speaker",
    "audio_alert aubridge,alert",
    "rtcp_mux no",
    `module_path ${MODULE_PATH}`,
    ...BARESIP_MODULES.map((m) =>
      `${m === "account.so" ? "module_tmp" : m === "menu.so" ? "module_app" : "module"} ${m}`
    ),
  ];
  const account = `<${o.aor ?? "sip:caller@127.0.0.1"}>;regint=0;` +
    `mediaenc=${o.mediaenc ?? "srtp-mand"};audio_codecs=PCMU`;
  return { config: config.join("\n") + "\n", accounts: account + "\n" };
}

/** Places one call with baresip and waits for it to quit. */
export async function runBaresipCall(o: BaresipCallOptions): Promise<BaresipResult> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-baresip-" });
  for (const [name, text] of Object.entries(baresipFiles(o))) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  const out = await new Deno.Command("baresip", {
    args: ["-f", dir, "-s", "-e", `/dial ${o.dial}`, "-t", String(o.seconds)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr), dir };
}
