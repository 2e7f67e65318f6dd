import type {
  CallTable,
  DecisionBindingTable,
  DecisionPartitionTable,
  QuotaChargeTable,
  RuleDecisionTable,
} from "./calls.ts";
import type {
  GapTable,
  ParticipantTable,
  PauseTable,
  RecordingAgentTable,
  RecordingMetadataTable,
  RecordingPartitionTable,
  RecordingTable,
  SavedSearchTable,
  StreamTable,
} from "./recordings.ts";
import type {
  AgentTable,
  ApiTokenTable,
  MfaRecoveryCodeTable,
  OrgUnitTable,
  RolePermissionTable,
  RoleTable,
  SessionTable,
  UserMfaTable,
  UserPartitionTable,
  UserTable,
} from "./users.ts";
import type { AuditEventTable } from "./audit.ts";
import type { OidcSessionTable } from "./oidc.ts";
import type { KeyRewrapJobTable, RecordingClaimTable, SealJobTable } from "./keys.ts";
import type { AlarmTable, ArchiveJobTable, SettingTable, StorageLocationTable } from "./storage.ts";

/** Every table of the selrec database, for `Kysely<Database>`. */
export interface Database {
  calls: CallTable;
  rule_decisions: RuleDecisionTable;
  decision_partitions: DecisionPartitionTable;
  decision_bindings: DecisionBindingTable;
  quota_charges: QuotaChargeTable;
  recordings: RecordingTable;
  recording_partitions: RecordingPartitionTable;
  participants: ParticipantTable;
  recording_agents: RecordingAgentTable;
  streams: StreamTable;
  recording_metadata: RecordingMetadataTable;
  saved_searches: SavedSearchTable;
  pauses: PauseTable;
  gaps: GapTable;
  users: UserTable;
  user_partitions: UserPartitionTable;
  roles: RoleTable;
  role_permissions: RolePermissionTable;
  org_units: OrgUnitTable;
  agents: AgentTable;
  sessions: SessionTable;
  oidc_sessions: OidcSessionTable;
  user_mfa: UserMfaTable;
  mfa_recovery_codes: MfaRecoveryCodeTable;
  api_tokens: ApiTokenTable;
  audit_events: AuditEventTable;
  storage_locations: StorageLocationTable;
  archive_jobs: ArchiveJobTable;
  alarms: AlarmTable;
  settings: SettingTable;
  key_rewrap_jobs: KeyRewrapJobTable;
  seal_jobs: SealJobTable;
  recording_claims: RecordingClaimTable;
}
