// The account form's model: which fields each kind has, the draft the form edits, the
// `AccountInput` it submits, and where a refusal from the backend belongs.

import type { AccountDetails } from '../../bindings/AccountDetails';
import type { AccountInput } from '../../bindings/AccountInput';
import type { AccountKind } from '../../bindings/AccountKind';
import type { AccountSummary } from '../../bindings/AccountSummary';
import type { ApiError } from '../../bindings/ApiError';

export const KIND_LABELS: Record<AccountKind, string> = {
  'aws-access-key': 'AWS access key',
  'azure-service-principal': 'Azure service principal',
  'gcp-service-account': 'Google Cloud service account',
};

export const KINDS = Object.keys(KIND_LABELS) as AccountKind[];

export interface Draft {
  kind: AccountKind;
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  externalId: string;
  region: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  keyJson: string;
}

export type FieldName = Exclude<keyof Draft, 'kind'>;

/** The write-only fields: typed once, sent once, never shown again. */
export const SECRET_FIELDS = ['secretAccessKey', 'sessionToken', 'clientSecret', 'keyJson'] as const satisfies readonly FieldName[];

export interface FieldSpec {
  name: FieldName;
  label: string;
  /** Shown under the field. */
  hint?: string;
  placeholder?: string;
  optional?: boolean;
  secret?: boolean;
  multiline?: boolean;
  mono?: boolean;
}

const NAME: FieldSpec = { name: 'name', label: 'Name', hint: 'How targets in functory.toml refer to this account.', placeholder: 'e.g. work-dev' };

export const FIELDS: Record<AccountKind, FieldSpec[]> = {
  'aws-access-key': [
    NAME,
    { name: 'accessKeyId', label: 'Access key ID', placeholder: 'AKIA…', mono: true },
    { name: 'secretAccessKey', label: 'Secret access key', secret: true, mono: true },
    { name: 'sessionToken', label: 'Session token', optional: true, secret: true, mono: true, hint: 'Only for temporary credentials.' },
    { name: 'roleArn', label: 'Role to assume', optional: true, placeholder: 'arn:aws:iam::123456789012:role/NAME', mono: true },
    { name: 'externalId', label: 'External ID', optional: true, mono: true },
    { name: 'region', label: 'Default region', optional: true, placeholder: 'eu-west-1', mono: true },
  ],
  'azure-service-principal': [
    NAME,
    { name: 'tenantId', label: 'Tenant ID', placeholder: '00000000-0000-0000-0000-000000000000 or contoso.onmicrosoft.com', mono: true },
    { name: 'clientId', label: 'Client (application) ID', placeholder: '00000000-0000-0000-0000-000000000000', mono: true },
    { name: 'clientSecret', label: 'Client secret', secret: true, mono: true },
    { name: 'subscriptionId', label: 'Subscription ID', optional: true, placeholder: '00000000-0000-0000-0000-000000000000', mono: true },
  ],
  'gcp-service-account': [
    NAME,
    {
      name: 'keyJson',
      label: 'Service-account key (JSON)',
      secret: true,
      multiline: true,
      mono: true,
      hint: 'Paste the key file downloaded from the Google Cloud console, or load it from disk.',
    },
  ],
};

export const KEEP_SECRET_PLACEHOLDER = 'leave empty to keep the stored secret';

export function emptyDraft(kind: AccountKind = 'aws-access-key'): Draft {
  return {
    kind,
    name: '',
    accessKeyId: '',
    secretAccessKey: '',
    sessionToken: '',
    roleArn: '',
    externalId: '',
    region: '',
    tenantId: '',
    clientId: '',
    clientSecret: '',
    subscriptionId: '',
    keyJson: '',
  };
}

/** An account's public fields in the form; its secret fields stay empty (the UI never has them). */
export function draftOf(account: AccountSummary): Draft {
  const draft = emptyDraft(account.kind);
  draft.name = account.name;
  const d: AccountDetails = account.details;
  switch (d.kind) {
    case 'aws-access-key':
      return { ...draft, accessKeyId: d.accessKeyId, roleArn: d.roleArn ?? '', externalId: d.externalId ?? '', region: d.region ?? '' };
    case 'azure-service-principal':
      return { ...draft, tenantId: d.tenantId, clientId: d.clientId, subscriptionId: d.subscriptionId ?? '' };
    case 'gcp-service-account':
      return draft;
  }
}

/** The draft without its secrets: what the form keeps once it has submitted. */
export function withoutSecrets(draft: Draft): Draft {
  const next = { ...draft };
  for (const field of SECRET_FIELDS) next[field] = '';
  return next;
}

const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

export function inputOf(draft: Draft): AccountInput {
  const name = draft.name.trim();
  switch (draft.kind) {
    case 'aws-access-key':
      return {
        kind: draft.kind,
        name,
        accessKeyId: draft.accessKeyId.trim(),
        secretAccessKey: draft.secretAccessKey.trim(),
        sessionToken: orNull(draft.sessionToken),
        roleArn: orNull(draft.roleArn),
        externalId: orNull(draft.externalId),
        region: orNull(draft.region),
      };
    case 'azure-service-principal':
      return {
        kind: draft.kind,
        name,
        tenantId: draft.tenantId.trim(),
        clientId: draft.clientId.trim(),
        clientSecret: draft.clientSecret.trim(),
        subscriptionId: orNull(draft.subscriptionId),
      };
    case 'gcp-service-account':
      return { kind: draft.kind, name, keyJson: draft.keyJson };
  }
}

export type FieldErrors = Partial<Record<FieldName | 'form', string>>;

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Where a refusal goes: `invalid_input` messages start with the field (`access_key_id: …`), shown
 * next to that field; a taken name goes next to the name; anything else above the buttons.
 */
export function placeError(kind: AccountKind, error: ApiError): FieldErrors {
  const fields = FIELDS[kind].map((f) => f.name as string);
  if (error.code === 'invalid_input') {
    const match = /^([a-z_]+):\s*([\s\S]*)$/.exec(error.message);
    if (match) {
      const field = camel(match[1]!);
      if (fields.includes(field)) return { [field]: capitalize(match[2]!) };
    }
  }
  if (error.code === 'already_exists') return { name: capitalize(error.message) };
  return { form: capitalize(error.message) };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The public details of an account, as label/value pairs for its row. */
export function describeDetails(details: AccountDetails): [string, string][] {
  switch (details.kind) {
    case 'aws-access-key':
      return [
        ['Access key ID', details.accessKeyId],
        ...(details.roleArn ? [['Role', details.roleArn] as [string, string]] : []),
        ...(details.externalId ? [['External ID', details.externalId] as [string, string]] : []),
        ['Region', details.region ?? 'not set'],
        ...(details.hasSessionToken ? [['Session token', 'stored'] as [string, string]] : []),
      ];
    case 'azure-service-principal':
      return [
        ['Tenant', details.tenantId],
        ['Client', details.clientId],
        ...(details.subscriptionId ? [['Subscription', details.subscriptionId] as [string, string]] : []),
      ];
    case 'gcp-service-account':
      return [
        ['Project', details.projectId],
        ['Client email', details.clientEmail],
      ];
  }
}
