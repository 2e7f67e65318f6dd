/** The selrec release version; `scripts/bundle.ts` checks it against deno.json. */
export const VERSION = "0.1.0";
