/**
 * The recordings search form (pick-lists from values present, the fields' own errors)
 * and the user's saved searches (open, delete, save the current one).
 */
import type { FieldError } from "../search_params.ts";
import type { SavedSearch } from "../../src/store/queries/saved_searches.ts";
import { CsrfField } from "./layout.tsx";

/** Pick-list values for the form (web/search_choices.ts). */
export interface SearchChoices {
  businessUnits: string[];
  languages: string[];
  customerTypes: string[];
  agents: string[];
}

type Q = Record<string, string>;

function errorOf(errors: readonly FieldError[], name: string): string | undefined {
  return errors.find((e) => e.field === name)?.message;
}

function Text(
  props: {
    name: string;
    label: string;
    q: Q;
    errors: readonly FieldError[];
    type?: string;
    list?: string;
    hint?: string;
    step?: string;
  },
) {
  const err = errorOf(props.errors, props.name);
  return (
    <label class={err ? "invalid" : undefined}>
      {props.label}
      <input
        name={props.name}
        type={err && props.type === "date" ? "text" : props.type ?? "text"}
        placeholder={props.type === "date" ? "YYYY-MM-DD" : undefined}
        value={props.q[props.name] ?? ""}
        list={props.list}
        step={props.step}
        title={props.hint}
        aria-invalid={err ? "true" : undefined}
        aria-describedby={err ? `err-${props.name}` : undefined}
      />
    </label>
  );
}

/** A pick-list of the values present; a value typed in the URL stays selectable. */
function Pick(
  props: { name: string; label: string; q: Q; values: string[]; errors: readonly FieldError[] },
) {
  const v = props.q[props.name] ?? "";
  const values = v && !props.values.some((x) => x.toLowerCase() === v.toLowerCase())
    ? [v, ...props.values]
    : props.values;
  const err = errorOf(props.errors, props.name);
  return (
    <label class={err ? "invalid" : undefined}>
      {props.label}
      <select name={props.name} aria-invalid={err ? "true" : undefined}>
        <option value="" selected={v === ""}>any</option>
        {values.map((x) => (
          <option key={x} value={x} selected={x.toLowerCase() === v.toLowerCase()}>{x}</option>
        ))}
      </select>
    </label>
  );
}

function Flag(props: { name: string; label: string; q: Q; errors: readonly FieldError[] }) {
  const v = props.q[props.name] ?? "";
  const err = errorOf(props.errors, props.name);
  return (
    <label class={err ? "invalid" : undefined}>
      {props.label}
      <select name={props.name} aria-invalid={err ? "true" : undefined}>
        <option value="" selected={v === ""}>any</option>
        <option value="yes" selected={v === "yes"}>yes</option>
        <option value="no" selected={v === "no"}>no</option>
      </select>
    </label>
  );
}

/** The filter form; `errors` mark their fields. */
export function SearchForm(props: { q: Q; errors: readonly FieldError[]; choices: SearchChoices }) {
  const { q, errors, choices } = props;
  const e = { q, errors };
  return (
    <form method="get" action="/recordings" class="filters" role="search">
      {/* An invalid date stays visible as text (a date input would blank it). */}
      <Text name="from" label="From" type="date" {...e} />
      <Text name="to" label="To" type="date" {...e} />
      <Text name="agent" label="Agent (prefix)" list="agent-choices" {...e} />
      <datalist id="agent-choices">
        {choices.agents.map((a) => <option key={a} value={a} />)}
      </datalist>
      <Text name="customer" label="Customer ID (prefix)" {...e} />
      <Text name="number" label="ANI/DNIS (prefix)" type="tel" {...e} />
      <Pick name="bu" label="Business unit" values={choices.businessUnits} {...e} />
      <Pick name="ctype" label="Customer type" values={choices.customerTypes} {...e} />
      <Pick name="lang" label="Language" values={choices.languages} {...e} />
      <Text name="min_s" label="Min s" type="number" {...e} />
      <Text name="max_s" label="Max s" type="number" {...e} />
      <Text name="min_mos" label="MOS at least" type="number" step="0.1" {...e} />
      <Text name="max_mos" label="MOS at most" type="number" step="0.1" {...e} />
      <Flag name="interrupted" label="Interrupted" {...e} />
      <Flag name="no_media" label="No media" {...e} />
      <Flag name="session_expired" label="Session expired" {...e} />
      <Flag name="media_timeout" label="Media timeout" {...e} />
      <Flag name="one_way" label="One-way" {...e} />
      <Flag name="paused" label="Paused" {...e} />
      <Flag name="hold" label="Legal hold" {...e} />
      <Text name="meta" label="Metadata key=value; …" {...e} />
      {q.sort && <input type="hidden" name="sort" value={q.sort} />}
      {q.dir && <input type="hidden" name="dir" value={q.dir} />}
      <button type="submit">Search</button>
    </form>
  );
}

/** The errors of a search, each naming its field (and linked to it). */
export function SearchErrors(props: { errors: readonly FieldError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div class="error" role="alert" id="search-errors">
      <p>The search did not run: fix these fields.</p>
      <ul>
        {props.errors.map((e) => (
          <li key={e.field} id={`err-${e.field}`} data-field={e.field}>
            <strong>{e.field}</strong>: {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The user's saved searches, and a form to save the current one. */
export function SavedSearches(
  props: { saved: SavedSearch[]; query: string; csrf?: string; canSave: boolean },
) {
  return (
    <details class="saved-searches" open={props.saved.length > 0}>
      <summary>Saved searches ({props.saved.length})</summary>
      <ul>
        {props.saved.map((s) => (
          <li key={s.id}>
            <a href={`/recordings?${s.query}`}>{s.name}</a>{" "}
            <form method="post" action={`/recordings/saved/${s.id}/delete`} class="inline">
              <CsrfField token={props.csrf} />
              <button type="submit" aria-label={`Delete saved search ${s.name}`}>Delete</button>
            </form>
          </li>
        ))}
      </ul>
      {props.canSave && (
        <form method="post" action="/recordings/saved" class="inline">
          <CsrfField token={props.csrf} />
          <input type="hidden" name="query" value={props.query} />
          <label>
            Save this search as <input name="name" required maxlength={80} />
          </label>{" "}
          <button type="submit">Save</button>
        </form>
      )}
    </details>
  );
}
