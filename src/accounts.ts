/** The service account: its name and a passwd lookup (getent), for run-as and doctor. */

/** The account the service runs as (`$SELREC_SERVICE_USER` overrides, for tests). */
export const SERVICE_USER = "selrec";

/** A passwd entry. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Looks up an account with `getent passwd`; null when there is none. */
export async function lookupAccount(name: string): Promise<Account | null> {
  let line: string;
  try {
    const out = await new Deno.Command("getent", {
      args: ["passwd", name],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return null;
    line = new TextDecoder().decode(out.stdout).trim();
  } catch {
    return null;
  }
  const f = line.split(":");
  if (f.length < 4) return null;
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]) };
}
