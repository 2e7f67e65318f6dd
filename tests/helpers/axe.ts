/**
 * axe-core in the browser tests: the pinned npm package is installed (like the Dockerfile
 * linter) into `$SELREC_AXE_DIR` or ~/.cache/selrec/axe-core, outside the app's imports,
 * and its source is injected into the page under test.
 */
import type { Page } from "playwright-core";

const AXE_VERSION = "4.14.1";
const DIR = Deno.env.get("SELREC_AXE_DIR") ??
  `${Deno.env.get("HOME") ?? "/tmp"}/.cache/selrec/axe-core`;

/** The source of axe.min.js, installing the package from npm on first use. */
export async function axeSource(): Promise<string> {
  const file = `${DIR}/node_modules/axe-core/axe.min.js`;
  try {
    return await Deno.readTextFile(file);
  } catch {
    const npm = new Deno.Command("npm", {
      args: ["install", "--prefix", DIR, "--no-audit", "--no-fund", `axe-core@${AXE_VERSION}`],
      stdout: "null",
      stderr: "piped",
    });
    const out = await npm.output();
    if (!out.success) {
      throw new Error(`npm install axe-core failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return await Deno.readTextFile(file);
  }
}

/** One violation as the test reports it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe on the page (WCAG 2 A/AA rules) and returns the serious and critical
 * violations. The page's context must allow the injected script (`bypassCSP`): the
 * app's CSP allows only its own scripts.
 */
export async function seriousViolations(page: Page, source: string): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: source });
  const found = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    const r = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    // deno-lint-ignore no-explicit-any
    return r.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      // deno-lint-ignore no-explicit-any
      targets: v.nodes.map((n: any) => String(n.target)),
    }));
  });
  return (found as AxeViolation[]).filter((v) => v.impact === "serious" || v.impact === "critical");
}
