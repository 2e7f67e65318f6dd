/** Every CLI command, in help order. Later features append theirs here. */
import type { Command } from "./command.ts";
import { configCheckCommand, migrateCommand, versionCommand } from "./basic_commands.ts";
import { type OpenBox, serveCommand } from "./serve_command.ts";
import {
  userAddCommand,
  userDisableCommand,
  userEnableCommand,
  userListCommand,
  userPasswdCommand,
} from "./user_commands.ts";
import { userMfaResetCommand } from "./user_mfa_command.ts";
import { AGENT_COMMANDS } from "./agent_commands.ts";
import { AUDIT_COMMANDS } from "./audit_commands.ts";
import { recordingsListCommand, recordingsShowCommand } from "./recordings_commands.ts";
import { tokenAddCommand, tokenListCommand, tokenRevokeCommand } from "./token_commands.ts";
import { rulesCheckCommand, rulesSimulateCommand, rulesTestCommand } from "./rules_commands.ts";
import { simulateCommand } from "./simulate_command.ts";
import { STORAGE_COMMANDS } from "./storage_commands.ts";
import { backupCommand, restoreCommand } from "./backup_commands.ts";
import { doctorCommand } from "./doctor_commands.ts";
import { scrubCommand } from "./scrub_command.ts";
import { KEYS_COMMANDS } from "./keys_commands.ts";
import { recordingsExportCommand } from "./recording_export_command.ts";

/** The command table main.ts dispatches over; `serve` runs the box `openBox` builds. */
export function commands(openBox: OpenBox): Command[] {
  return [
    serveCommand(openBox),
    migrateCommand,
    configCheckCommand,
    userAddCommand,
    userListCommand,
    userPasswdCommand,
    userDisableCommand,
    userEnableCommand,
    userMfaResetCommand,
    ...AGENT_COMMANDS,
    tokenAddCommand,
    tokenListCommand,
    tokenRevokeCommand,
    recordingsListCommand,
    recordingsShowCommand,
    recordingsExportCommand,
    rulesCheckCommand,
    rulesTestCommand,
    rulesSimulateCommand,
    ...AUDIT_COMMANDS,
    ...STORAGE_COMMANDS,
    scrubCommand,
    ...KEYS_COMMANDS,
    backupCommand,
    restoreCommand,
    doctorCommand,
    simulateCommand,
    versionCommand,
  ];
}
