// The mock's OS keychain: accounts in memory, validated as functory-vault validates them.
// Secrets are kept (as the keychain would keep them) but no command ever returns one — only
// the public `AccountSummary`, exactly what crosses IPC in the desktop app.

import type { AccountDetails } from '../../bindings/AccountDetails';
import type { AccountInput } from '../../bindings/AccountInput';
import type { AccountTestResult } from '../../bindings/AccountTestResult';
import type { AccountSummary } from '../../bindings/AccountSummary';
import type { ApiError } from '../../bindings/ApiError';
import type { AwsProfile } from '../../bindings/AwsProfile';

/** What `?keychain=unavailable` answers, worded like functory-vault's error. */
export const KEYCHAIN_UNAVAILABLE_MESSAGE =
  'the OS keychain is not available: no Secret Service provider answered on the session bus. ' +
  'Install and unlock a keyring that offers the Secret Service (GNOME Keyring, KWallet or KeePassXC), then open Accounts again';

/** The profiles of a typical ~/.aws/config (only names and public settings: never their keys). */
export const MOCK_AWS_PROFILES: AwsProfile[] = [
  { name: 'default', kind: 'static', region: 'eu-west-1', ssoSession: null },
  { name: 'dev', kind: 'sso', region: 'us-east-1', ssoSession: 'my-sso' },
];

function fail(code: ApiError['code'], message: string): never {
  throw { code, message } satisfies ApiError;
}

function invalid(field: string, message: string): never {
  fail('invalid_input', `${field}: ${message}`);
}

function checkName(name: string): void {
  const ok =
    name.length >= 1 &&
    [...name].length <= 64 &&
    /^[\p{L}\p{N}\-_. ]+$/u.test(name) &&
    name.trim() === name;
  if (!ok) {
    invalid('name', 'an account name is 1 to 64 letters, digits, spaces, `-`, `_` or `.`, without leading or trailing spaces');
  }
}

const isGuid = (s: string) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
const blank = (s: string | null | undefined) => (s ?? '').trim() === '';
const optional = (s: string | null | undefined) => (blank(s) ? null : s!.trim());

function nonEmpty(field: string, value: string): void {
  if (blank(value)) invalid(field, 'is empty');
}

/** The stored secrets of an account: only the keychain (this map) ever holds them. */
type Secrets = Record<string, string | null>;

interface Stored {
  summary: AccountSummary;
  secrets: Secrets;
}

/**
 * Builds the account to store. `keep` (an edit with every secret left blank) carries the stored
 * secrets over, as functory-api does.
 */
function build(input: AccountInput, kept: Secrets | null): Stored {
  checkName(input.name);
  const fill = (value: string, key: string) => (kept && blank(value) ? (kept[key] ?? '') : value);
  switch (input.kind) {
    case 'aws-access-key': {
      const id = input.accessKeyId.trim();
      if (id.length < 16 || id.length > 128 || !/^[A-Z0-9]+$/.test(id)) {
        invalid('access_key_id', 'an AWS access key id is 16 to 128 capital letters and digits, like AKIA…');
      }
      const secretAccessKey = fill(input.secretAccessKey, 'secretAccessKey');
      nonEmpty('secret_access_key', secretAccessKey);
      const roleArn = optional(input.roleArn);
      if (roleArn !== null && !(roleArn.startsWith('arn:aws') && roleArn.includes(':iam::') && roleArn.includes(':role/'))) {
        invalid('role_arn', 'a role to assume is an IAM role ARN: arn:aws:iam::123456789012:role/NAME');
      }
      const sessionToken = blank(input.sessionToken) ? (kept ? (kept.sessionToken ?? null) : null) : input.sessionToken;
      const details: AccountDetails = {
        kind: 'aws-access-key',
        accessKeyId: id,
        hasSessionToken: sessionToken !== null,
        roleArn,
        externalId: optional(input.externalId),
        region: optional(input.region),
      };
      return { summary: { name: input.name, kind: input.kind, details }, secrets: { secretAccessKey, sessionToken } };
    }
    case 'azure-service-principal': {
      const tenantId = input.tenantId.trim();
      const clientId = input.clientId.trim();
      if (!isGuid(tenantId) && !tenantId.includes('.')) {
        invalid('tenant_id', 'a tenant is a GUID or a domain such as contoso.onmicrosoft.com');
      }
      if (!isGuid(clientId)) invalid('client_id', 'a client (application) id is a GUID');
      const subscriptionId = optional(input.subscriptionId);
      if (subscriptionId !== null && !isGuid(subscriptionId)) invalid('subscription_id', 'a subscription id is a GUID');
      const clientSecret = fill(input.clientSecret, 'clientSecret');
      nonEmpty('client_secret', clientSecret);
      const details: AccountDetails = { kind: 'azure-service-principal', tenantId, clientId, subscriptionId };
      return { summary: { name: input.name, kind: input.kind, details }, secrets: { clientSecret } };
    }
    case 'gcp-service-account': {
      if (kept && blank(input.keyJson)) {
        invalid('key_json', "a Google account's details come from its key file: paste the key again to edit it");
      }
      let file: unknown;
      try {
        file = JSON.parse(input.keyJson);
      } catch {
        // The parser's message could quote the key's text, so it is not passed on.
        invalid('key_json', 'not a service-account key file: expected the JSON file downloaded from the Google Cloud console');
      }
      const key = (typeof file === 'object' && file !== null ? file : {}) as Record<string, unknown>;
      if (typeof key.type !== 'string' || typeof key.project_id !== 'string' || typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
        invalid('key_json', 'not a service-account key file: expected the JSON file downloaded from the Google Cloud console');
      }
      if (key.type !== 'service_account') {
        invalid('key_json', `the key file's type is \`${key.type as string}\`, expected \`service_account\``);
      }
      if (!(key.private_key as string).includes('PRIVATE KEY')) invalid('key_json', 'the key file has no private key');
      const details: AccountDetails = {
        kind: 'gcp-service-account',
        projectId: key.project_id as string,
        clientEmail: key.client_email as string,
      };
      return { summary: { name: input.name, kind: input.kind, details }, secrets: { keyJson: input.keyJson } };
    }
  }
}

function secretsBlank(input: AccountInput): boolean {
  switch (input.kind) {
    case 'aws-access-key':
      return blank(input.secretAccessKey);
    case 'azure-service-principal':
      return blank(input.clientSecret);
    case 'gcp-service-account':
      return blank(input.keyJson);
  }
}

/** A copy, so nothing the UI receives aliases the store. */
const copy = (summary: AccountSummary): AccountSummary => structuredClone(summary);

export class MockKeychain {
  private readonly accounts = new Map<string, Stored>();

  constructor(private readonly available: boolean) {}

  private check(): void {
    if (!this.available) fail('keychain_unavailable', KEYCHAIN_UNAVAILABLE_MESSAGE);
  }

  list(): AccountSummary[] {
    this.check();
    return [...this.accounts.values()].map((a) => copy(a.summary)).sort((a, b) => a.name.localeCompare(b.name));
  }

  has(name: string): boolean {
    this.check();
    return this.accounts.has(name);
  }

  add(input: AccountInput): AccountSummary {
    this.check();
    const account = build(input, null);
    if (this.accounts.has(account.summary.name)) fail('already_exists', `an account named \`${account.summary.name}\` already exists`);
    this.accounts.set(account.summary.name, account);
    return copy(account.summary);
  }

  update(input: AccountInput): AccountSummary {
    this.check();
    const existing = this.accounts.get(input.name);
    if (!existing) fail('not_found', `no account named \`${input.name}\``);
    if (existing.summary.kind !== input.kind) invalid('kind', "an account's kind cannot change; add a new account instead");
    const keep = secretsBlank(input);
    const account = build(input, keep ? existing.secrets : null);
    this.accounts.set(account.summary.name, account);
    return copy(account.summary);
  }

  rename(from: string, to: string): void {
    this.check();
    const existing = this.accounts.get(from);
    if (!existing) fail('not_found', `no account named \`${from}\``);
    checkName(to);
    if (from === to) return;
    if (this.accounts.has(to)) fail('already_exists', `an account named \`${to}\` already exists`);
    this.accounts.delete(from);
    this.accounts.set(to, { ...existing, summary: { ...existing.summary, name: to } });
  }

  /**
   * A sign-in test as the backend reports it: the cloud's refusal is `ok: false` with the
   * reason. An access key id containing DENIED stands for keys the cloud refuses.
   */
  test(name: string): AccountTestResult {
    this.check();
    const account = this.accounts.get(name);
    if (!account) fail('not_found', `no account named \`${name}\``);
    const details = account.summary.details;
    switch (details.kind) {
      case 'aws-access-key':
        return details.accessKeyId.includes('DENIED')
          ? {
              name,
              ok: false,
              identity: null,
              call: 'STS GetCallerIdentity',
              durationMs: 41,
              message: `AWS refused the access key of account \`${name}\` (InvalidClientTokenId): check the key id and secret, or create a new key.`,
              errorCode: 'unauthenticated',
            }
          : {
              name,
              ok: true,
              identity: `arn:aws:iam::123456789012:user/${name}`,
              call: 'STS GetCallerIdentity',
              durationMs: 37,
              message: `Signed in to account 123456789012 as arn:aws:iam::123456789012:user/${name}.`,
              errorCode: null,
            };
      case 'azure-service-principal':
        return {
          name,
          ok: true,
          identity: `client ${details.clientId} in tenant ${details.tenantId}`,
          call: 'Entra ID token request',
          durationMs: 52,
          message: 'Entra ID issued a token for the Azure Resource Manager.',
          errorCode: null,
        };
      case 'gcp-service-account':
        return {
          name,
          ok: true,
          identity: details.clientEmail,
          call: 'Google token request',
          durationMs: 48,
          message: `Google issued a token for ${details.clientEmail}.`,
          errorCode: null,
        };
    }
  }

  remove(name: string): void {
    this.check();
    if (!this.accounts.delete(name)) fail('not_found', `no account named \`${name}\``);
  }
}

/** The input as the mock logs it: secrets replaced by their length, so the console never holds one. */
export function redactInput(input: AccountInput): Record<string, unknown> {
  const redact = (value: string | null) => (value === null ? null : value === '' ? '' : `<secret, ${value.length} chars>`);
  switch (input.kind) {
    case 'aws-access-key':
      return { ...input, secretAccessKey: redact(input.secretAccessKey), sessionToken: redact(input.sessionToken) };
    case 'azure-service-principal':
      return { ...input, clientSecret: redact(input.clientSecret) };
    case 'gcp-service-account':
      return { ...input, keyJson: redact(input.keyJson) };
  }
}
