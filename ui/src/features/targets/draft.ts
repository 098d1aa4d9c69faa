// The "Add target" form's draft and where the backend's refusals go. Which fields a target
// needs and what a valid region or profile name is are decided in Rust (`new_target_problems`
// in functory-core): the form sends what the user typed and places the answer.

import type { AccountKind } from '../../bindings/AccountKind';
import type { ApiError } from '../../bindings/ApiError';
import type { NewTarget } from '../../bindings/NewTarget';

export type CloudAdapter = 'aws' | 'azure' | 'gcp';

/** How the target signs in: an AWS profile, a keychain account, or what the machine already has. */
export type SignIn = 'profile' | 'account' | 'ambient';

export interface TargetDraft {
  name: string;
  adapter: CloudAdapter;
  region: string;
  codeBucket: string;
  subscriptionId: string;
  resourceGroup: string;
  functionApp: string;
  projectId: string;
  signIn: SignIn;
  profile: string;
  account: string;
}

/** The form's fields that an error can be placed under. */
export type TargetField =
  | 'name'
  | 'region'
  | 'codeBucket'
  | 'subscriptionId'
  | 'resourceGroup'
  | 'functionApp'
  | 'projectId'
  | 'profile'
  | 'account';

export type TargetErrors = Partial<Record<TargetField | 'form', string>>;

export const ADAPTER_LABELS: Record<CloudAdapter, string> = {
  aws: 'AWS Lambda',
  azure: 'Azure Functions',
  gcp: 'Google Cloud Functions',
};

/** The product name of a target's adapter kind, for sentences ("deployed on AWS Lambda"). */
export function adapterLabel(kind: string): string {
  return kind === 'local' ? 'the local runtime' : ((ADAPTER_LABELS as Record<string, string>)[kind] ?? kind);
}

/** The keychain account kind each cloud signs in with. */
export const ACCOUNT_KIND: Record<CloudAdapter, AccountKind> = {
  aws: 'aws-access-key',
  azure: 'azure-service-principal',
  gcp: 'gcp-service-account',
};

/** What "the machine's own sign-in" means for each cloud. */
export const AMBIENT_LABELS: Record<CloudAdapter, { label: string; hint: string }> = {
  aws: {
    label: 'The environment’s credentials',
    hint: 'The standard AWS credential chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a web identity token (CI), AWS_PROFILE, or container and instance credentials.',
  },
  azure: {
    label: 'The Azure CLI’s sign-in',
    hint: 'Whoever `az login` signed in on this machine.',
  },
  gcp: {
    label: 'Application default credentials',
    hint: 'What `gcloud auth application-default login` (or GOOGLE_APPLICATION_CREDENTIALS) provides.',
  },
};

/** Text fields per cloud, in the order the form shows them. */
export const TEXT_FIELDS: Record<
  CloudAdapter,
  { name: Exclude<TargetField, 'name' | 'profile' | 'account'>; label: string; placeholder: string; optional?: boolean; hint?: string }[]
> = {
  aws: [
    { name: 'region', label: 'Region', placeholder: 'eu-west-1' },
    {
      name: 'codeBucket',
      label: 'Code bucket',
      placeholder: 'my-deploy-bucket',
      optional: true,
      hint: 'An S3 bucket for packages over Lambda’s 50 MB direct-upload limit.',
    },
  ],
  azure: [
    { name: 'subscriptionId', label: 'Subscription ID', placeholder: '00000000-0000-0000-0000-000000000000', optional: true },
    { name: 'resourceGroup', label: 'Resource group', placeholder: 'my-resource-group' },
    { name: 'functionApp', label: 'Function app', placeholder: 'my-function-app', hint: 'The function app holds every function of the project.' },
  ],
  gcp: [
    { name: 'projectId', label: 'Project ID', placeholder: 'my-project-123' },
    { name: 'region', label: 'Region', placeholder: 'europe-west1' },
  ],
};

export function emptyTargetDraft(adapter: CloudAdapter = 'aws', name = ''): TargetDraft {
  return {
    name,
    adapter,
    region: '',
    codeBucket: '',
    subscriptionId: '',
    resourceGroup: '',
    functionApp: '',
    projectId: '',
    signIn: 'ambient',
    profile: '',
    account: '',
  };
}

const orNull = (value: string): string | null => (value.trim() === '' ? null : value.trim());

/** The `NewTarget` the backend checks and writes: only the chosen cloud's fields are sent. */
export function newTargetOf(draft: TargetDraft): NewTarget {
  const shown = new Set(TEXT_FIELDS[draft.adapter].map((f) => f.name));
  const field = (name: Exclude<TargetField, 'name' | 'profile' | 'account'>) => (shown.has(name) ? orNull(draft[name]) : null);
  return {
    name: draft.name.trim(),
    adapter: draft.adapter,
    region: field('region'),
    codeBucket: field('codeBucket'),
    subscriptionId: field('subscriptionId'),
    resourceGroup: field('resourceGroup'),
    functionApp: field('functionApp'),
    projectId: field('projectId'),
    profile: draft.adapter === 'aws' && draft.signIn === 'profile' ? orNull(draft.profile) : null,
    account: draft.signIn === 'account' ? orNull(draft.account) : null,
  };
}

/** functory.toml's keys (as the backend names them in `targets.NAME.KEY: …`) to the form's fields. */
const FIELD_OF_KEY: Record<string, TargetField> = {
  region: 'region',
  code_bucket: 'codeBucket',
  subscription_id: 'subscriptionId',
  resource_group: 'resourceGroup',
  function_app: 'functionApp',
  project_id: 'projectId',
  profile: 'profile',
  account: 'account',
};

/**
 * Places a refusal under the field it names: `targets.dev.region: …` goes under Region,
 * `targets.Dev: …` (the target itself: its name, or a name already taken) under Name; anything
 * else is the form's.
 */
export function placeTargetError(error: ApiError): TargetErrors {
  const keys = Object.keys(FIELD_OF_KEY).join('|');
  const found = new RegExp(`^targets\\.(.*?)(?:\\.(${keys}))?: ([\\s\\S]*)$`).exec(error.message);
  if (!found) return { form: error.message };
  const [, , key, message] = found;
  return { [key ? FIELD_OF_KEY[key] : 'name']: message };
}
