/** Builds the box's services from config, in start order. */
import type { App, Service } from "./app.ts";
import { webServer } from "./web_server.ts";
import { newApp } from "../web/app.ts";

/** The services `serve` runs. */
export function buildServices(app: App): Promise<Service[]> {
  const web = newApp(app);
  return Promise.resolve([webServer(app, (req, info) => web.fetch(req, { info }))]);
}
