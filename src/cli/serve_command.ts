/** `serve`: run the box until SIGTERM/SIGINT, then drain and exit 0. */
import { App } from "../app.ts";
import { createLogger } from "../log.ts";
import { buildServices, StartupError } from "../services.ts";
import type { Command } from "./command.ts";
import { configFor } from "./context.ts";

export const serveCommand: Command = {
  path: ["serve"],
  summary: "Run the recorder: SIP, RTP capture, rules, web UI and storage loops",
  usage: "",
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const { config } = loaded;
    const log = createLogger({ level: config.log.level, format: config.log.format });
    log.info("starting selrec", { config: loaded.source, dataDir: config.dataDir });
    let app: App;
    try {
      app = await App.create(config, { log, adminPassword: io.env.SELREC_ADMIN_PASSWORD });
    } catch (err) {
      log.error("cannot start", { error: err });
      return 1;
    }
    try {
      for (const service of await buildServices(app)) app.add(service);
      await app.start();
    } catch (err) {
      await app.shutdown();
      if (err instanceof StartupError) {
        io.stderr(err.message + "\n");
        return 2;
      }
      log.error("cannot start", { error: err });
      return 1;
    }
    const { promise, resolve } = Promise.withResolvers<string>();
    const onSignal = (sig: Deno.Signal) => () => resolve(sig);
    const handlers = (["SIGTERM", "SIGINT"] as const).map((sig) => {
      const h = onSignal(sig);
      Deno.addSignalListener(sig, h);
      return [sig, h] as const;
    });
    log.info("selrec ready");
    const signal = await promise;
    log.info("signal received, shutting down", { signal });
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
    await app.shutdown();
    return 0;
  },
};
