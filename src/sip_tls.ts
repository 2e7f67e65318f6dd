/**
 * SIP over TLS for the box (`sip.tls`): reads the certificate, key and CA files (a
 * failure names the field and the file), opens the TLS listener, and reloads the files
 * when they change on disk or on SIGHUP. A reload only affects new handshakes: open
 * connections, and the calls on them, keep their session. A broken new file is logged
 * and the previous certificate stays in force.
 */
import { X509Certificate } from "node:crypto";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import { counter, gauge, type Sample } from "./metrics.ts";
import type { TcpLimits } from "./sip/transport_tcp.ts";
import { TlsListener, type TlsMaterial } from "./sip/transport_tls.ts";

/** `sip.tls` as configured. */
export type SipTlsConfig = NonNullable<Config["sip"]["tls"]>;

/** Days before expiry from which the certificate is logged as a warning. */
const EXPIRY_WARN_DAYS = 30;
const DEBOUNCE_MS = 300;

async function readField(field: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(`sip.tls.${field}: cannot read "${path}": ${(error as Error).message}`);
  }
}

/** The PEM files of `sip.tls`; throws naming the field and file that could not be read. */
export async function readTlsMaterial(cfg: SipTlsConfig): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readField("certFile", cfg.certFile),
    readField("keyFile", cfg.keyFile),
    cfg.caFile ? readField("caFile", cfg.caFile) : Promise.resolve(undefined),
  ]);
  return ca === undefined ? { cert, key } : { cert, key, ca };
}

/** Fingerprint, subject and expiry of a PEM certificate (for logs and checks). */
export function describeCertificate(pem: string, now = Date.now()) {
  const c = new X509Certificate(pem);
  const expires = new Date(c.validTo);
  return {
    subject: c.subject,
    subjectAltName: c.subjectAltName,
    fingerprint256: c.fingerprint256,
    expires: expires.toISOString(),
    daysLeft: Math.floor((expires.getTime() - now) / 86_400_000),
  };
}

/** The running TLS listener with its reloader. */
export interface SipTls {
  listener: TlsListener;
  /** Re-read the files now (what SIGHUP does); false when the new files are refused. */
  reload(): Promise<boolean>;
  /** Stop watching (the listener is closed by the SIP server). */
  close(): void;
}

/** Opens the TLS listener of `sip.tls` and starts watching its files. */
export async function openSipTls(
  cfg: SipTlsConfig,
  bind: { hostname: string; admit: (host: string) => boolean; limits: TcpLimits },
  log: Logger,
): Promise<SipTls> {
  const material = await readTlsMaterial(cfg);
  logCertificate(log, "sip tls certificate", material.cert);
  const listener = await TlsListener.open({
    hostname: bind.hostname,
    port: cfg.port,
    material,
    verifyClient: cfg.verifyClient,
    allowedPeerNames: cfg.allowedPeerNames,
    handshakeTimeoutMs: bind.limits.headerTimeoutMs,
    admit: bind.admit,
    maxPendingHandshakes: bind.limits.maxConnections,
    log,
  });
  let running: Promise<boolean> = Promise.resolve(true);
  const reload = (why: string): Promise<boolean> =>
    running = running.then(async () => {
      try {
        const next = await readTlsMaterial(cfg);
        describeCertificate(next.cert); // refuses a file that is not a certificate
        listener.reload(next);
        logCertificate(log, `sip tls certificate reloaded (${why})`, next.cert);
        return true;
      } catch (error) {
        log.error("sip tls reload failed; the previous certificate stays in force", { error });
        return false;
      }
    });
  const onHup = () => void reload("SIGHUP");
  Deno.addSignalListener("SIGHUP", onHup);
  const watcher = watchFiles([cfg.certFile, cfg.keyFile, cfg.caFile], () => reload("file changed"));
  return {
    listener,
    reload: () => reload("request"),
    close() {
      Deno.removeSignalListener("SIGHUP", onHup);
      watcher.close();
    },
  };
}

function logCertificate(log: Logger, msg: string, pem: string): void {
  try {
    const d = describeCertificate(pem);
    if (d.daysLeft < EXPIRY_WARN_DAYS) log.warn(`${msg}: expires in ${d.daysLeft} days`, d);
    else log.info(msg, d);
  } catch (error) {
    log.warn(`${msg}: not readable as X.509`, { error });
  }
}

/**
 * Watches the files' directories (cert managers replace files by rename, which a watch
 * on the file itself would miss) and calls `changed` once per burst of events.
 */
function watchFiles(paths: (string | undefined)[], changed: () => void): { close(): void } {
  const files = new Set(paths.filter((p): p is string => !!p).map((p) => absolute(p)));
  const dirs = [...new Set([...files].map((f) => f.slice(0, f.lastIndexOf("/")) || "/"))];
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(dirs, { recursive: false });
  } catch {
    return { close() {} }; // no watch: SIGHUP still reloads
  }
  let timer: ReturnType<typeof setTimeout> | null = null;
  (async () => {
    try {
      for await (const ev of watcher) {
        if (!ev.paths.some((p) => files.has(p))) continue;
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          changed();
        }, DEBOUNCE_MS);
      }
    } catch {
      // watcher closed
    }
  })();
  return {
    close() {
      if (timer !== null) clearTimeout(timer);
      watcher.close();
    },
  };
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/** Prometheus samples of the TLS listener and the transport policy. */
export function tlsMetrics(st: {
  refusedTransport: number;
  tls:
    | { connections: number; handshakeFailures: number; refusedPeerName: number; reloads: number }
    | null;
}): Sample[] {
  const t = st.tls;
  if (!t) return [];
  return [
    gauge("sip_tls_connections", "Open SIP/TLS connections", t.connections),
    counter(
      "sip_tls_handshake_failures_total",
      "TLS handshakes that failed (version, client certificate, timeout)",
      t.handshakeFailures,
    ),
    counter(
      "sip_tls_refused_peer_name_total",
      "Verified client certificates with a name not in allowedPeerNames",
      t.refusedPeerName,
    ),
    counter("sip_tls_reloads_total", "Certificate reloads", t.reloads),
    counter(
      "sip_refused_transport_total",
      "Requests refused for their transport (sip.tls.required, sips: over non-TLS)",
      st.refusedTransport,
    ),
  ];
}
