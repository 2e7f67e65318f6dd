/**
 * Structured logging: JSON lines (ts, level, msg, fields) for journald, readable
 * lines on a TTY. Loggers are values passed to services, never module singletons.
 *
 * Under systemd (`$JOURNAL_STREAM` set, or `log.format: journal`) each line starts with
 * its syslog priority as sd-daemon(3) describes (`<3>` error, `<4>` warning, `<6>` info,
 * `<7>` debug): journald strips the prefix and files the line at that priority, so
 * `journalctl -p warning` shows warnings and errors.
 */

/** Log levels in increasing severity. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Extra structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A leveled logger; `child()` adds fixed fields such as the component name. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Line formats: `journal` is JSON with a `<N>` priority prefix. */
export const LOG_FORMATS = ["auto", "json", "pretty", "journal"] as const;

/** The sd-daemon(3) priority prefix of each level (syslog err, warning, info, debug). */
export const JOURNAL_PRIORITY: Readonly<Record<LogLevel, number>> = {
  error: 3,
  warn: 4,
  info: 6,
  debug: 7,
};

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  /**
   * `json` lines, `pretty` for people, `journal` (JSON with a priority prefix); `auto`
   * picks journal under systemd (`underJournal`), else pretty on a TTY, else json.
   */
  format: typeof LOG_FORMATS[number];
  /** True when stdout goes to journald (main.ts passes `$JOURNAL_STREAM !== undefined`). */
  underJournal?: boolean;
  /** Line sink; defaults to stdout. */
  write?: (line: string) => void;
  isTty?: boolean;
  now?: () => Date;
}

const encoder = new TextEncoder();

function defaultWrite(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      ...("code" in value ? { code: value.code } : {}),
    };
  }
  return value;
}

/** Creates a logger writing one line per event. */
export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const write = options.write ?? defaultWrite;
  const now = options.now ?? (() => new Date());
  const journal = options.format === "journal" ||
    (options.format === "auto" && options.underJournal === true);
  const pretty = options.format === "pretty" ||
    (options.format === "auto" && !journal && (options.isTty ?? Deno.stdout.isTerminal()));
  const prefix = (level: LogLevel) => journal ? `<${JOURNAL_PRIORITY[level]}>` : "";
  const threshold = LOG_LEVELS.indexOf(options.level);

  function emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const all: LogFields = { ...base, ...fields };
    for (const [k, v] of Object.entries(all)) all[k] = errorFields(v);
    if (pretty) {
      const extra = Object.entries(all).map(([k, v]) =>
        `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
      );
      const time = now().toISOString().slice(11, 23);
      write(
        `${time} ${level.toUpperCase().padEnd(5)} ${msg}${
          extra.length ? "  " + extra.join(" ") : ""
        }`,
      );
    } else {
      write(prefix(level) + JSON.stringify({ ts: now().toISOString(), level, msg, ...all }));
    }
  }

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything; for tests and quiet CLI commands. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => nullLogger,
};
