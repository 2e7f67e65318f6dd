/** Headless Debian Chromium driven by playwright-core, with the flags this machine needs. */
import { type BrowserContext, chromium, type Page } from "playwright-core";

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

/** Signs `user` in through the sign-in form; waits for `landing` when given, else the load. */
export async function signIn(
  page: Page,
  url: string,
  user: string,
  password: string,
  landing?: RegExp,
): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  if (landing) await page.waitForURL(landing);
  else await page.waitForLoadState("load");
}

/** Where browser tests leave screenshots for a reviewer (not committed). */
export const ARTIFACTS = new URL("../_artifacts", import.meta.url).pathname;

/** A full-page screenshot into {@link ARTIFACTS} (best effort: never fails a test). */
export async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true }).catch(() => {});
}

/** The page's `audio#player` duration in seconds, once its metadata has loaded. */
export function playerDuration(page: Page): Promise<number> {
  return page.evaluate(() =>
    new Promise<number>((resolve, reject) => {
      const a = document.getElementById("player") as HTMLAudioElement;
      const done = () => resolve(a.duration);
      if (a.readyState >= 1 && Number.isFinite(a.duration)) return done();
      a.addEventListener("loadedmetadata", done, { once: true });
      a.addEventListener("error", () => reject(new Error(`media error ${a.error?.code}`)), {
        once: true,
      });
      a.load();
    })
  );
}

/** What Chromium's own decoder makes of the player's file: channels, length, tone ratios. */
export interface PlayerTones {
  channels: number;
  seconds: number;
  /** Power at 440 Hz over 880 Hz on the left channel (after the first 0.1 s). */
  left: number;
  /** Power at 880 Hz over 440 Hz on the right channel. */
  right: number;
}

/** Fetches the player's source and decodes it with Chromium's decoder (Goertzel per tone). */
export function playerTones(page: Page): Promise<PlayerTones> {
  return page.evaluate(async () => {
    const a = document.getElementById("player") as HTMLAudioElement;
    const bytes = await (await fetch(a.currentSrc)).arrayBuffer();
    const audio = await new OfflineAudioContext(2, 48000, 48000).decodeAudioData(bytes);
    const power = (x: Float32Array, hz: number) => {
      const k = 2 * Math.cos((2 * Math.PI * hz) / 48000);
      let s1 = 0, s2 = 0;
      for (const v of x) [s1, s2] = [v + k * s1 - s2, s1];
      return s1 * s1 + s2 * s2 - k * s1 * s2;
    };
    const [l, r] = [0, 1].map((c) => audio.getChannelData(c).subarray(4800));
    return {
      channels: audio.numberOfChannels,
      seconds: audio.duration,
      left: power(l, 440) / power(l, 880),
      right: power(r, 880) / power(r, 440),
    };
  });
}
