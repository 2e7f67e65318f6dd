/** `serve`: run the box until SIGTERM/SIGINT, then drain and exit 0. */
import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../log.ts";
import { StartupError } from "../service.ts";
import type { Command } from "./command.ts";
import { configFor } from "./context.ts";
import { SdNotifier } from "../sd_notify.ts";
import { startIdleGc } from "../idle_gc.ts";

/** The running box as `serve` drives it. */
export interface RunningBox {
  start(): Promise<void>;
  /** Drains, then stops every service and closes the store. */
  shutdown(): Promise<void>;
}

/**
 * Builds the box from config: the composition root (`box.ts` at the top of the repo),
 * handed in by main.ts, since it joins src/ with web/. Throws `StartupError` when the
 * box cannot start with what it was given.
 */
export type OpenBox = (
  config: Config,
  options: { log: Logger; adminPassword?: string },
) => Promise<RunningBox>;

/** The `serve` command over `openBox`. */
export function serveCommand(openBox: OpenBox): Command {
  return {
    path: ["serve"],
    summary: "Run the recorder: SIP, RTP capture, rules, web UI and storage loops",
    usage: "",
    async run(args, io) {
      const loaded = await configFor(args, io);
      if (!loaded) return 2;
      const { config } = loaded;
      const log = createLogger({
        level: config.log.level,
        format: config.log.format,
        underJournal: io.env.JOURNAL_STREAM !== undefined,
      });
      log.info("starting selrec", { config: loaded.source, dataDir: config.dataDir });
      let box: RunningBox;
      try {
        box = await openBox(config, { log, adminPassword: io.env.SELREC_ADMIN_PASSWORD });
      } catch (err) {
        if (err instanceof StartupError) {
          io.stderr(err.message + "\n");
          return 2;
        }
        log.error("cannot start", { error: err });
        return 1;
      }
      try {
        await box.start();
      } catch (err) {
        await box.shutdown();
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
      // Type=notify: READY once every service runs; WATCHDOG pings from this event loop.
      const notify = new SdNotifier(io.env, log);
      await notify.ready();
      log.info("selrec ready");
      // The main thread's garbage is collected when it goes quiet (idle_gc.ts).
      const idleGc = startIdleGc();
      if (!idleGc.enabled) log.info("idle collection off: run with --v8-flags=--expose-gc");
      const signal = await promise;
      idleGc.stop();
      log.info("signal received, shutting down", { signal });
      for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
      await notify.stopping();
      await box.shutdown();
      notify.close();
      return 0;
    },
  };
}
