/**
 * The encrypted variant of the recording export form: the download age-encrypted
 * (src/keys/age_export.ts) to the recipient key or the passphrase the form carries, for
 * handing to a third party who opens it with the standard age CLI. Fields:
 * `encrypt` = "" | "recipient" | "passphrase", `age_recipient`, `passphrase`.
 */
import { ageEncryptStream, type AgeTarget, ageTargetProblem } from "../../src/keys/age_export.ts";
import { sealedTo } from "../../src/keys/recording_export.ts";
import { httpError } from "../http_error.ts";

/** The form's age target, null for a plain download; 400 naming the field when it is wrong. */
export function ageTargetOf(body: Record<string, unknown>): AgeTarget | null {
  const mode = typeof body.encrypt === "string" ? body.encrypt : "";
  if (mode === "") return null;
  let t: AgeTarget;
  if (mode === "recipient") {
    const text = typeof body.age_recipient === "string" ? body.age_recipient : "";
    t = { recipients: text.split(/[\s,]+/).filter((r) => r.length > 0) };
  } else if (mode === "passphrase") {
    t = { passphrase: typeof body.passphrase === "string" ? body.passphrase : "" };
  } else return httpError(400, `encrypt: expected recipient or passphrase, got "${mode}"`);
  const problem = ageTargetProblem(t);
  if (problem) httpError(400, problem);
  return t;
}

/** What the export's audit row adds for an encrypted download (whom it was sealed to). */
export function ageAuditFields(t: AgeTarget | null): Record<string, unknown> {
  return t ? sealedTo(t) : {};
}

/** The age-encrypted attachment `<name>.age` of `plain`. */
export async function ageDownload(
  plain: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>,
  t: AgeTarget,
  name: string,
): Promise<Response> {
  const input = plain instanceof Uint8Array ? new Blob([plain]).stream() : plain;
  return new Response(await ageEncryptStream(input, t), {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="${name}.age"`,
      "Cache-Control": "private, no-store",
    },
  });
}
