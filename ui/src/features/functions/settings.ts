// The settings form's rules: what the user typed, what is wrong with it, and the manifest edits
// it amounts to. Pure, so it is easy to reason about and to test.

import type { ApiError } from '../../bindings/ApiError';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { ManifestEdit } from '../../bindings/ManifestEdit';

export const MEMORY_MB = { min: 128, max: 10240 } as const;
export const TIMEOUT_S = { min: 1, max: 900 } as const;
export const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

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

function wholeNumberIn(text: string, { min, max }: { min: number; max: number }): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** A row with neither name nor value is ignored, so an added row left empty is harmless. */
function isBlank(row: EnvRow): boolean {
  return row.key.trim() === '' && row.value === '';
}

export function validate(draft: SettingsDraft): SettingsErrors {
  const errors = noErrors();
  if (wholeNumberIn(draft.memory, MEMORY_MB) === null) {
    errors.memory = `Memory must be a whole number of MB between ${MEMORY_MB.min} and ${MEMORY_MB.max}.`;
  }
  if (wholeNumberIn(draft.timeout, TIMEOUT_S) === null) {
    errors.timeout = `Timeout must be a whole number of seconds between ${TIMEOUT_S.min} and ${TIMEOUT_S.max}.`;
  }
  const seen = new Map<string, number>();
  draft.env.forEach((row, i) => {
    if (isBlank(row)) return;
    const key = row.key.trim();
    if (key === '') errors.env.set(i, 'A variable needs a name.');
    else if (!ENV_KEY.test(key)) {
      errors.env.set(i, 'Names start with a letter and use only letters, digits and _.');
    } else if (seen.has(key)) errors.env.set(i, `${key} is already set above.`);
    else seen.set(key, i);
  });
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
