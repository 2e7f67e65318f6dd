/** The HTTP listener as a service; the routes live in web/. */
import type { App, Service } from "./app.ts";

/** Serves `handler` on the configured host and port (TLS when configured). */
export function webServer(
  app: App,
  handler: (
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ) => Response | Promise<Response>,
): Service & { url(): string } {
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  const { host, port, tls } = app.config.http;
  return {
    name: "web",
    async start() {
      const options = {
        hostname: host,
        port,
        onListen: () => {},
      };
      server = tls
        ? Deno.serve({
          ...options,
          cert: await Deno.readTextFile(tls.certFile),
          key: await Deno.readTextFile(tls.keyFile),
        }, handler)
        : Deno.serve(options, handler);
      const shown = host === "0.0.0.0" ? "127.0.0.1" : host;
      app.log.info("web UI listening", {
        url: `${tls ? "https" : "http"}://${shown}:${server.addr.port}/`,
      });
    },
    async stop() {
      await server?.shutdown();
    },
    url() {
      const shown = host === "0.0.0.0" ? "127.0.0.1" : host;
      return `${tls ? "https" : "http"}://${shown}:${server?.addr.port}`;
    },
  };
}
