/** Headless Debian Chromium driven by playwright-core, with the flags this machine needs. */
import { type BrowserContext, chromium } from "playwright-core";

/** Chromium flags: headless, no sandbox (root), and no background network traffic. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Launches /usr/bin/chromium with a fresh profile in `userDataDir`. */
export function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
}
