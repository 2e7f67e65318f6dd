/** JSON-line messages between the main process and the copy worker subprocess. */
import type { TargetSpec } from "./mount_guard.ts";

/** Steps of a verified copy, in order, as recorded in `archive_jobs.step`. */
export type CopyStep = "copied" | "verified" | "renamed";

/** Main → worker. */
export type WorkerRequest =
  | { op: "check"; spec: TargetSpec }
  | { op: "init"; spec: TargetSpec }
  | { op: "copy"; spec: TargetSpec; src: string; rel: string; sha256: string }
  | { op: "remove"; spec: TargetSpec; rel: string }
  | { op: "go" };

/** Worker → main. */
export type WorkerReply =
  | {
    ev: "ok";
    dev?: number;
    volumeId?: string;
    tempPath?: string;
    resumed?: boolean;
  }
  | { ev: "step"; step: CopyStep }
  | { ev: "error"; code: string; message: string };

/** The reply that ends a request. */
export type FinalReply = Exclude<WorkerReply, { ev: "step" }>;
