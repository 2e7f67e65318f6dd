/**
 * Recording rules: rule files, loader, evaluator with deterministic sampling and quotas,
 * decision trace and hot reload. A leaf module: imports nothing else from src/. The CLI
 * handlers live in src/cli/rules_cli.ts.
 *
 * @module
 */
export { BUILTIN_FIELDS, type ConditionNode, isFieldName, OPERATORS } from "./condition_schema.ts";
export type { ConditionTrace } from "./conditions.ts";
export {
  type CallFacts,
  callKeyOf,
  callPartitions,
  type Decision,
  type EvalContext,
  evaluate,
} from "./evaluate.ts";
export {
  buildRuleSet,
  formatRuleError,
  type LoadOptions,
  type LoadResult,
  loadRules,
  parseRuleFile,
  type RuleError,
  type RuleSource,
} from "./loader.ts";
export {
  MemoryQuota,
  NO_QUOTA_USED,
  type QuotaCharge,
  quotaScope,
  type QuotaView,
} from "./quota.ts";
export { sampled, sampleDraw } from "./sampling.ts";
export {
  defaultDefaults,
  type Defaults,
  type Rule,
  RuleFileSchema,
  type RuleSet,
} from "./schema.ts";
export {
  parseSince,
  type PastCall,
  renderSimulation,
  simulate,
  Simulation,
  type SimulationReport,
  type SimulationRow,
} from "./simulate.ts";
export {
  type DecisionSummary,
  type DecisionTrace,
  renderTrace,
  type RuleOutcome,
  type RuleTrace,
} from "./trace.ts";
export {
  RulesLoadError,
  RulesService,
  type RulesServiceOptions,
  type RulesStats,
} from "./watcher.ts";
