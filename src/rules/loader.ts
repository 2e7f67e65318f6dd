/**
 * Loads rule files: every `*.yaml` / `*.yml` in a directory, in name order, validated as
 * one rule set. Errors name the file, line, column and field path.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import {
  defaultDefaults,
  type Defaults,
  DefaultsSchema,
  resolveRule,
  type Rule,
  type RuleFile,
  RuleFileSchema,
  type RuleSet,
} from "./schema.ts";
import { formatPath, keepTextScalars, locate } from "./yaml_locate.ts";

/** One problem in a rule file. `line`/`col` are 1-based (0 when not tied to a line). */
export interface RuleError {
  file: string;
  line: number;
  col: number;
  /** Field path inside the file, e.g. `rules[2].when.all[0].regex`. */
  path: string;
  /** Id of the rule the error is in, when known. */
  ruleId?: string;
  message: string;
}

/** Result of loading rules. */
export type LoadResult = { ok: true; ruleSet: RuleSet } | { ok: false; errors: RuleError[] };

/** A rule file's name (as shown in errors) and text. */
export interface RuleSource {
  name: string;
  text: string;
}

/** Formats an error as `file:line:col: rule "id": path: message`. */
export function formatRuleError(e: RuleError): string {
  const rule = e.ruleId ? ` rule "${e.ruleId}":` : "";
  return `${e.file}:${e.line}:${e.col}:${rule} ${e.path}: ${e.message}`;
}

interface ParsedFile {
  file: RuleFile;
  /** Line of each rule's mapping. */
  ruleLines: number[];
}

/** Parses and validates one rule file. */
export function parseRuleFile(
  name: string,
  text: string,
): { ok: true; parsed: ParsedFile } | { ok: false; errors: RuleError[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        file: name,
        line: e.linePos?.[0].line ?? 0,
        col: e.linePos?.[0].col ?? 0,
        path: "(yaml)",
        message: `Cannot parse YAML: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  keepTextScalars(doc);
  const raw = doc.toJS();
  const r = RuleFileSchema.safeParse(raw ?? undefined);
  if (!r.success) {
    return {
      ok: false,
      errors: r.error.issues.map((issue): RuleError => {
        const key = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
        const { line, col } = locate(doc, lc, issue.path, key);
        const ruleIdx = issue.path[0] === "rules" && typeof issue.path[1] === "number"
          ? issue.path[1]
          : -1;
        const id = raw?.rules?.[ruleIdx]?.id;
        const path = formatPath(key ? [...issue.path, key] : issue.path);
        return {
          file: name,
          line,
          col,
          path,
          ...(typeof id === "string" ? { ruleId: id } : {}),
          message: raw == null ? "File is empty: expected `version: 1` and `rules`" : issue.message,
        };
      }).sort((a, b) => a.line - b.line || a.col - b.col),
    };
  }
  const ruleLines = r.data.rules.map((_, i) => locate(doc, lc, ["rules", i]).line);
  return { ok: true, parsed: { file: r.data, ruleLines } };
}

/** What a load checks beyond the files themselves. */
export interface LoadOptions {
  /**
   * The retention class names the box defines (config `storage.retentionClasses`); when
   * given, a rule or the defaults naming any other class is an error. The rules leaf
   * does not read config: callers pass the names.
   */
  retentionClasses?: readonly string[];
}

function unknownClass(name: string, known: readonly string[]): string {
  const list = known.length ? [...known].sort().join(", ") : "(none)";
  return `Unknown retention class "${name}": storage.retentionClasses defines ${list}`;
}

/** The 1-based line of the first `retention:` key in a file's text (1 when absent). */
function retentionLine(text: string): number {
  const i = text.split("\n").findIndex((l) => /^\s*retention\s*:/.test(l));
  return i < 0 ? 1 : i + 1;
}

/**
 * Builds a rule set from file texts, in the given order. Pure. `defaults` may be set in
 * one file only; rule ids must be unique across files; with
 * `options.retentionClasses`, every retention named must be one of them.
 */
export function buildRuleSet(
  sources: readonly RuleSource[],
  options: LoadOptions = {},
): LoadResult {
  const errors: RuleError[] = [];
  const parsed: { name: string; p: ParsedFile }[] = [];
  for (const s of sources) {
    const r = parseRuleFile(s.name, s.text);
    if (r.ok) parsed.push({ name: s.name, p: r.parsed });
    else errors.push(...r.errors);
  }
  let defaults: Defaults = defaultDefaults();
  let defaultsFrom: string | null = null;
  for (const { name, p } of parsed) {
    if (!p.file.defaults) continue;
    if (defaultsFrom !== null) {
      errors.push({
        file: name,
        line: 1,
        col: 1,
        path: "defaults",
        message: `Defaults are already set in "${defaultsFrom}": set them in one file only`,
      });
    } else {
      defaultsFrom = name;
      defaults = DefaultsSchema.parse(p.file.defaults);
    }
  }
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const { name, p } of parsed) {
    p.file.rules.forEach((input, i) => {
      const source = `${name}:${p.ruleLines[i]}`;
      const first = seen.get(input.id);
      if (first) {
        errors.push({
          file: name,
          line: p.ruleLines[i],
          col: 1,
          path: `rules[${i}].id`,
          ruleId: input.id,
          message: `Duplicate rule id "${input.id}": first defined at ${first}`,
        });
        return;
      }
      seen.set(input.id, source);
      rules.push(resolveRule(input, defaults, source));
      const named = input.then?.retention;
      const known = options.retentionClasses;
      if (known && typeof named === "string" && !known.includes(named)) {
        errors.push({
          file: name,
          line: p.ruleLines[i],
          col: 1,
          path: `rules[${i}].then.retention`,
          ruleId: input.id,
          message: unknownClass(named, known),
        });
      }
    });
  }
  const known = options.retentionClasses;
  if (known && defaults.retention !== null && !known.includes(defaults.retention)) {
    const from = sources.find((s) => s.name === defaultsFrom);
    errors.push({
      file: defaultsFrom ?? "(built-in defaults)",
      line: from ? retentionLine(from.text) : 0,
      col: 1,
      path: "defaults.retention",
      message: unknownClass(defaults.retention, known),
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    ruleSet: {
      defaults,
      rules,
      files: sources.map((s) => s.name),
      fingerprint: fingerprint(sources),
    },
  };
}

function fingerprint(sources: readonly RuleSource[]): string {
  const h = createHash("sha256");
  for (const s of sources) h.update(JSON.stringify([basename(s.name), s.text]));
  return h.digest("hex").slice(0, 16);
}

/** Whether a directory entry is a rule file (`*.yaml`/`*.yml`, not hidden). */
export function isRuleFileName(name: string): boolean {
  return !name.startsWith(".") && /\.ya?ml$/i.test(name);
}

/**
 * Loads every rule file in `dir` in name order (hidden files skipped). File names in
 * errors and rule sources are `dir` joined with the file name.
 */
export async function loadRules(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if ((e.isFile || e.isSymlink) && isRuleFileName(e.name)) names.push(e.name);
    }
  } catch (e) {
    return {
      ok: false,
      errors: [{
        file: dir,
        line: 0,
        col: 0,
        path: "(dir)",
        message: `Cannot read rules directory: ${(e as Error).message}`,
      }],
    };
  }
  names.sort();
  const sources: RuleSource[] = [];
  const errors: RuleError[] = [];
  for (const n of names) {
    const file = join(dir, n);
    try {
      sources.push({ name: file, text: await Deno.readTextFile(file) });
    } catch (e) {
      errors.push({
        file,
        line: 0,
        col: 0,
        path: "(file)",
        message: `Cannot read file: ${(e as Error).message}`,
      });
    }
  }
  const r = buildRuleSet(sources, options);
  if (errors.length > 0) return { ok: false, errors: [...errors, ...(r.ok ? [] : r.errors)] };
  return r;
}
