/**
 * The HTTP listener as a service; the routes live in web/.
 *
 * `Deno.serve` ends its server when an accept fails (EMFILE, "Too many open files"):
 * its `finished` promise rejects and the listener closes. Unhandled, that rejection
 * ended the whole box, calls in progress included. Here the listener is opened again
 * after an exponential backoff, until it stays up; the rest of the box keeps running.
 * A burst of failures is logged when it starts and, with its count, once the listener
 * has stayed up for {@link STABLE_MS}.
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { Service } from "./service.ts";
import { AcceptBackoff, isDescriptorExhaustion } from "./sip/accept_backoff.ts";
import { bindContext } from "./net/bind_error.ts";

/** A reopened listener that lives this long ends the failure burst. */
const STABLE_MS = 10_000;

/** Handler of every request. */
type Handler = (
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
) => Response | Promise<Response>;

/** What the listener works with. */
export interface WebServerDeps {
  http: Pick<Config["http"], "host" | "port" | "tls">;
  log: Logger;
}

/** Serves `handler` on the configured host and port (TLS when configured). */
export function webServer(deps: WebServerDeps, handler: Handler): Service & { url(): string } {
  const { log } = deps;
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  let boundPort = 0;
  let stopping = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stable: ReturnType<typeof setTimeout> | undefined;
  const backoff = new AcceptBackoff({ minMs: 50, maxMs: 2000 });
  const { host, tls } = deps.http;
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host;
  const scheme = tls ? "https" : "http";
  let pem: { cert: string; key: string } | null = null;

  /** Open the listener; a failure (out of descriptors) retries after a backoff. */
  const listen = () => {
    retry = undefined;
    if (stopping) return;
    // The first start binds the configured port (0: any); a restart takes the same one.
    const options = { hostname: host, port: boundPort || deps.http.port, onListen() {} };
    try {
      server = pem ? Deno.serve({ ...options, ...pem }, handler) : Deno.serve(options, handler);
    } catch (error) {
      // The first bind fails start(): a real config error.
      if (boundPort === 0) {
        throw bindContext(error, "HTTP", tls ? "TLS" : "TCP", host, options.port);
      }
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
      if (tls) {
        pem = {
          cert: await Deno.readTextFile(tls.certFile),
          key: await Deno.readTextFile(tls.keyFile),
        };
      }
      listen();
      log.info("web UI listening", { url: `${scheme}://${shown}:${boundPort}/` });
    },
    async stop() {
      stopping = true;
      if (retry !== undefined) clearTimeout(retry);
      if (stable !== undefined) clearTimeout(stable);
      await server?.shutdown().catch(() => {});
    },
    url() {
      return `${scheme}://${shown}:${boundPort}`;
    },
  };
}
