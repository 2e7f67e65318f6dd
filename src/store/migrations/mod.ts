/**
 * Migrations as a static map, so they are found inside a compiled binary too
 * (no directory scan). Add new ones with the next number; never edit a shipped one.
 */
import type { Migration } from "kysely/migration";
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_quota_charges.ts";
import * as m0003 from "./0003_call_metadata.ts";
import * as m0004 from "./0004_search_indexes.ts";
import * as m0005 from "./0005_storage_lifecycle.ts";
import * as m0006 from "./0006_search_order_indexes.ts";
import * as m0007 from "./0007_foreign_media.ts";
import * as m0008 from "./0008_recording_partitions_rows.ts";
import * as m0009 from "./0009_recording_agents.ts";
import * as m0010 from "./0010_decision_partitions_rows.ts";
import * as m0011 from "./0011_liveness_flags.ts";
import * as m0012 from "./0012_recording_segments.ts";
import * as m0013 from "./0013_decision_bindings.ts";
import * as m0014 from "./0014_identity.ts";
import * as m0015 from "./0015_recording_multi_agent.ts";
import * as m0016 from "./0016_recording_keys.ts";
import * as m0017 from "./0017_recording_integrity.ts";
import * as m0018 from "./0018_recording_rate_codecs.ts";
import * as m0019 from "./0019_search_matching.ts";
import * as m0020 from "./0020_agent_directory.ts";
import * as m0021 from "./0021_oidc_sessions.ts";
import * as m0022 from "./0022_token_expiry.ts";
import * as m0023 from "./0023_key_jobs.ts";
import * as m0024 from "./0024_recording_claims.ts";
import * as m0025 from "./0025_agent_prefix_scope.ts";
import * as m0026 from "./0026_number_prefix_pages.ts";

/** All migrations by name, applied in name order. */
export const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_quota_charges": m0002,
  "0003_call_metadata": m0003,
  "0004_search_indexes": m0004,
  "0005_storage_lifecycle": m0005,
  "0006_search_order_indexes": m0006,
  "0007_foreign_media": m0007,
  "0008_recording_partitions_rows": m0008,
  "0009_recording_agents": m0009,
  "0010_decision_partitions_rows": m0010,
  "0011_liveness_flags": m0011,
  "0012_recording_segments": m0012,
  "0013_decision_bindings": m0013,
  "0014_identity": m0014,
  "0015_recording_multi_agent": m0015,
  "0016_recording_keys": m0016,
  "0017_recording_integrity": m0017,
  "0018_recording_rate_codecs": m0018,
  "0019_search_matching": m0019,
  "0020_agent_directory": m0020,
  "0021_oidc_sessions": m0021,
  "0022_token_expiry": m0022,
  "0023_key_jobs": m0023,
  "0024_recording_claims": m0024,
  "0025_agent_prefix_scope": m0025,
  "0026_number_prefix_pages": m0026,
};
