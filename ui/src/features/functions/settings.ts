// The settings form's model: what the user typed, the backend's verdict on it placed per field
// (`check_function_settings`: the rules are Rust's, `functory_core::edit::settings_problems`),
// and the manifest edits it amounts to.

import type { ApiError } from '../../bindings/ApiError';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { ManifestEdit } from '../../bindings/ManifestEdit';
import type { SettingsDraft as SettingsDraftInput } from '../../bindings/SettingsDraft';
import type { SettingsProblem } from '../../bindings/SettingsProblem';


export interface EnvRow {
  /** Stable React key; rows are addressed by index in test ids. */
  id: number;
  key: string;
  value: string;
}

export interface SettingsDraft {
  memory: string;
  timeout: string;
  env: EnvRow[];
}

export interface SettingsErrors {
  memory: string | null;
  timeout: string | null;
  /** By row index. */
  env: Map<number, string>;
  /** A refusal that names no field of the form. */
  general: string | null;
}

export const noErrors = (): SettingsErrors => ({ memory: null, timeout: null, env: new Map(), general: null });

export function hasErrors(errors: SettingsErrors): boolean {
  return errors.memory !== null || errors.timeout !== null || errors.env.size > 0 || errors.general !== null;
}

let nextRowId = 1;
export function envRow(key = '', value = ''): EnvRow {
  return { id: nextRowId++, key, value };
}

export function draftOf(fn: FunctionModel): SettingsDraft {
  return {
    memory: String(fn.memoryMb),
    timeout: String(fn.timeoutS),
    env: fn.environment.map((v) => envRow(v.key, v.value)),
  };
}

/** A row with neither name nor value is ignored, so an added row left empty is harmless. */
function isBlank(row: EnvRow): boolean {
  return row.key.trim() === '' && row.value === '';
}

/** The draft as the backend checks it. */
export function draftForCheck(draft: SettingsDraft): SettingsDraftInput {
  return { memory: draft.memory, timeout: draft.timeout, environment: draft.env.map((r) => ({ key: r.key, value: r.value })) };
}

/** The backend's problems, each under the field (or environment row) it names. */
export function errorsFrom(problems: SettingsProblem[]): SettingsErrors {
  const errors = noErrors();
  for (const problem of problems) {
    if (problem.field === 'memory') errors.memory ??= problem.message;
    else if (problem.field === 'timeout') errors.timeout ??= problem.message;
    else if (problem.field === 'environment' && problem.row !== null && !errors.env.has(problem.row)) {
      errors.env.set(problem.row, problem.message);
    } else errors.general ??= problem.message;
  }
  return errors;
}

/** The edits that turn `fn` into `draft`, one per changed value. Assumes the draft is valid. */
export function editsFor(fn: FunctionModel, draft: SettingsDraft): ManifestEdit[] {
  const edits: ManifestEdit[] = [];
  const memoryMb = Number(draft.memory);
  const timeoutS = Number(draft.timeout);
  if (memoryMb !== fn.memoryMb) edits.push({ kind: 'setMemory', function: fn.name, memoryMb });
  if (timeoutS !== fn.timeoutS) edits.push({ kind: 'setTimeout', function: fn.name, timeoutS });
  const rows = draft.env.filter((r) => !isBlank(r)).map((r) => ({ key: r.key.trim(), value: r.value }));
  for (const old of fn.environment) {
    if (!rows.some((r) => r.key === old.key)) edits.push({ kind: 'removeEnv', function: fn.name, key: old.key });
  }
  for (const row of rows) {
    const old = fn.environment.find((v) => v.key === row.key);
    if (!old || old.value !== row.value) edits.push({ kind: 'setEnv', function: fn.name, key: row.key, value: row.value });
  }
  return edits;
}

/** Puts a refusal from the backend next to the field it names (`functions.<fn>.memory_mb: …`). */
export function placeServerError(fn: FunctionModel, draft: SettingsDraft, error: ApiError): SettingsErrors {
  const errors = noErrors();
  const prefix = `functions.${fn.name}.`;
  const message = error.message;
  if (message.startsWith(`${prefix}memory_mb`)) errors.memory = message;
  else if (message.startsWith(`${prefix}timeout_s`)) errors.timeout = message;
  else if (message.startsWith(`${prefix}environment.`)) {
    const key = message.slice(`${prefix}environment.`.length).split(':')[0];
    const index = draft.env.findIndex((r) => r.key.trim() === key);
    if (index >= 0) errors.env.set(index, message);
    else errors.general = message;
  } else errors.general = message;
  return errors;
}
