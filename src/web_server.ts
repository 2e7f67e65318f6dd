/**
 * The HTTP listener as a service; the routes live in web/.
 *
 * Clients connect to the front (src/http_front.ts) on `http.host:http.port`, which
 * applies the connection limits (`http.limits`), terminates TLS when configured, and
 * relays to `Deno.serve` on a loopback port. Requests that did not come through the
 * front get 403; the others reach the handler with the client's own address.
 *
 * `Deno.serve` ends its server when an accept fails (EMFILE, "Too many open files"):
 * its `finished` promise rejects and the listener closes. Unhandled, that rejection
 * ended the whole box, calls in progress included. Here the loopback server is opened
 * again after an exponential backoff, until it stays up (the front backs off on its own
 * accept failures); the rest of the box keeps running. A burst of failures is logged when
 * it starts and, with its count, once the listener has stayed up for {@link STABLE_MS}.
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { Service } from "./service.ts";
import { AcceptBackoff, isDescriptorExhaustion } from "./sip/accept_backoff.ts";
import { bindContext } from "./net/bind_error.ts";
import { HttpFront, type HttpFrontLimits, type HttpFrontStats } from "./http_front.ts";
import { capToDescriptors, openFileLimit } from "./sip_limits.ts";
import { counter, type Metrics } from "./metrics.ts";

/** A reopened listener that lives this long ends the failure burst. */
const STABLE_MS = 10_000;

/** Handler of every request. */
type Handler = (
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
) => Response | Promise<Response>;

/** What the listener works with. */
export interface WebServerDeps {
  http: Pick<Config["http"], "host" | "port" | "tls" | "limits">;
  log: Logger;
  /** The process's open-file limit (tests inject one); default: read from /proc. */
  nofile?: number | null;
  /** Where the front's counters are published (`http_*`). */
  metrics?: Metrics;
}

/** Share of the descriptor limit web UI connections may use. */
const HTTP_SHARE = 0.25;
/** Descriptors one relayed connection holds: client, front→server, server's side. */
const FDS_PER_CONNECTION = 3;

/** `http.limits` as the front wants them, the cap lowered (and logged) to fit `nofile`. */
export function httpFrontLimits(
  cfg: Config["http"]["limits"],
  nofile: number | null,
  log?: Logger,
): HttpFrontLimits {
  const maxConnections = capToDescriptors(
    "http.limits.maxConnections",
    cfg.maxConnections,
    nofile,
    {
      share: HTTP_SHARE,
      fdsPerConnection: FDS_PER_CONNECTION,
      floor: 4,
      what: "fit the open-file limit",
    },
    log,
  );
  return {
    maxConnections,
    maxConnectionsPerSource: Math.min(cfg.maxConnectionsPerSource, maxConnections),
    headerTimeoutMs: cfg.headerTimeoutSeconds * 1000,
    maxHeaderBytes: cfg.maxHeaderBytes,
    idleMs: cfg.idleSeconds * 1000,
  };
}

/** Serves `handler` on the configured host and port (TLS when configured). */
export function webServer(
  deps: WebServerDeps,
  handler: Handler,
): Service & { url(): string; frontStats(): HttpFrontStats | null } {
  const { log } = deps;
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  let front: HttpFront | undefined;
  let boundPort = 0;
  let stopping = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stable: ReturnType<typeof setTimeout> | undefined;
  const backoff = new AcceptBackoff({ minMs: 50, maxMs: 2000 });
  const { host, tls } = deps.http;
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host;
  const scheme = tls ? "https" : "http";

  /** Only requests relayed by the front; the handler sees the client's address. */
  const relayed: Handler = (req, info) => {
    const peer = front?.peerOf(info.remoteAddr.port);
    if (peer === undefined) {
      return new Response("Connect through the web UI port.\n", { status: 403 });
    }
    // The loopback server speaks plain HTTP; the client's URL is https behind a TLS front.
    const request = tls ? new Request(req.url.replace(/^http:/, "https:"), req) : req;
    return handler(request, { ...info, remoteAddr: peer });
  };

  /** Open the loopback server; a failure (out of descriptors) retries after a backoff. */
  const listen = () => {
    retry = undefined;
    if (stopping) return;
    // The first start binds any loopback port; a restart takes the same one.
    const options = { hostname: "127.0.0.1", port: boundPort, onListen() {} };
    try {
      server = Deno.serve(options, relayed);
    } catch (error) {
      if (boundPort === 0) throw bindContext(error, "HTTP", "TCP", "127.0.0.1", 0);
      return failed(error);
    }
    boundPort = server.addr.port;
    if (backoff.failures > 0) {
      stable = setTimeout(() => {
        const burst = backoff.succeeded();
        if (burst) log.warn("web UI listener recovered", { ...burst, port: boundPort });
      }, STABLE_MS);
    }
    const current = server;
    current.finished.catch((error) => {
      if (stopping || current !== server) return;
      failed(error);
    });
  };

  const failed = (error: unknown) => {
    if (stable !== undefined) clearTimeout(stable);
    const { delayMs, first } = backoff.failed();
    if (first) {
      log.error("web UI listener failed; reopening with backoff", {
        error,
        outOfDescriptors: isDescriptorExhaustion(error),
      });
    }
    retry = setTimeout(listen, delayMs);
  };

  return {
    name: "web",
    async start() {
      const port = deps.http.port;
      let listener: Deno.Listener;
      try {
        listener = tls
          ? Deno.listenTls({
            hostname: host,
            port,
            cert: await Deno.readTextFile(tls.certFile),
            key: await Deno.readTextFile(tls.keyFile),
          })
          : Deno.listen({ hostname: host, port, transport: "tcp" });
      } catch (error) {
        throw bindContext(error, "HTTP", tls ? "TLS" : "TCP", host, port);
      }
      try {
        listen();
      } catch (error) {
        listener.close();
        throw error;
      }
      const limits = httpFrontLimits(deps.http.limits, deps.nofile ?? openFileLimit(), log);
      front = new HttpFront(
        listener,
        () => ({ hostname: "127.0.0.1", port: boundPort }),
        limits,
        log,
      );
      deps.metrics?.register(() => frontSamples(front!.stats()));
      log.info("web UI listening", { url: `${scheme}://${shown}:${front.port}/` });
    },
    async stop() {
      stopping = true;
      if (retry !== undefined) clearTimeout(retry);
      if (stable !== undefined) clearTimeout(stable);
      await front?.close();
      await server?.shutdown().catch(() => {});
    },
    url() {
      return `${scheme}://${shown}:${front?.port ?? 0}`;
    },
    frontStats() {
      return front?.stats() ?? null;
    },
  };
}

/** The front's counters as metric samples. */
function frontSamples(st: HttpFrontStats) {
  return [
    counter("http_connections_accepted_total", "Web UI connections accepted", st.accepted),
    counter("http_connections_refused_total", "Web UI connections over a cap", st.refusedOverLimit),
    counter(
      "http_connections_timeouts_total",
      "Web UI connections closed: headers late or too large, or idle",
      st.headerTimeouts + st.headerTooLarge + st.idleTimeouts,
    ),
    counter("http_accept_errors_total", "Web UI accept failures", st.acceptErrors),
    {
      name: "http_connections",
      help: "Open web UI connections",
      type: "gauge" as const,
      value: st.connections,
    },
  ];
}
