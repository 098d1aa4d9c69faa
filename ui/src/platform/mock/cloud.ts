// A pretend AWS account for the browser: functions with published versions and one alias per
// target stage, deployed the way functory-aws deploys them (role, code, configuration,
// version, alias — the alias last), with a plan first and progress steps while it runs.
//
// `?cloud=aws` adds an AWS target `staging` to the sample; `?cloud-fail=alias` makes the next
// deploy fail at its alias step (the stage keeps its version); `?cloud-auth=expired` makes every
// call fail as an expired SSO session does.
//
// The account also holds a function no project deployed (`mailer`, "Import from AWS" lists and
// imports it: code, settings, triggers, permissions; its password variable is left out as
// functory-api leaves out what the linter flags), and answers log tails: polled (the lines its
// invokes wrote) or live (only new lines, once the function has written any).

import type { ApiError } from '../../bindings/ApiError';
import type { CloudImportReport } from '../../bindings/CloudImportReport';
import type { ManifestEdit } from '../../bindings/ManifestEdit';
import type { RemoteFunction } from '../../bindings/RemoteFunction';
import type { DeployReport } from '../../bindings/DeployReport';
import type { DeployStep } from '../../bindings/DeployStep';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { FunctionPlan } from '../../bindings/FunctionPlan';
import type { FunctionVersion } from '../../bindings/FunctionVersion';
import type { InvocationResult } from '../../bindings/InvocationResult';
import type { LogBatch } from '../../bindings/LogBatch';
import type { LogLine } from '../../bindings/LogLine';
import type { LogQuery } from '../../bindings/LogQuery';
import type { TargetLogSource } from '../../bindings/TargetLogSource';
import type { Manifest } from '../../bindings/Manifest';
import type { PlanChange } from '../../bindings/PlanChange';
import type { MockHistory } from './history';
import { uuid } from './run';

function fail(code: ApiError['code'], message: string): never {
  throw { code, message } satisfies ApiError;
}

interface Published {
  version: string;
  codeSha256: string;
  config: string;
  lastModified: string;
  description: string;
}

interface Deployed {
  latestSha: string;
  latestConfig: string;
  versions: Published[];
  /** Stage alias → version. */
  aliases: Map<string, string>;
}

/** A stable pseudo-digest of text, base64-looking like Lambda's CodeSha256. */
function digest(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 16777619);
    h2 = Math.imul(h2 + text.charCodeAt(i), 2246822519);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return btoa(`${hex(h1)}${hex(h2)}${hex(h1 ^ h2)}`).slice(0, 43) + '=';
}

/** What identifies a function's code: the files of its code folder (or its handler file). */
function codeOf(fn: FunctionModel, files: Map<string, string>): string {
  const inFolder = (path: string) => (fn.codeDir === '.' ? path === fn.handlerFile : path.startsWith(`${fn.codeDir}/`));
  return [...files]
    .filter(([path]) => inFolder(path))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, text]) => `${path}\n${text}`)
    .join('\n');
}

function configOf(fn: FunctionModel): string {
  return JSON.stringify([fn.runtime, fn.handler, fn.memoryMb, fn.timeoutS, fn.environment, fn.permissions]);
}

function change(kind: string, name: string, action: string, details: string[], calls: string[]): PlanChange {
  return { kind, name, action, details, calls };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A function in the pretend account that no Functory project deployed. */
const MAILER = {
  name: 'mailer',
  runtime: 'python3.12',
  handler: 'app.handler',
  memoryMb: 256,
  timeoutS: 15,
  environment: [
    { key: 'FROM_ADDRESS', value: 'shop@example.com' },
    // The linter's LMB003 flags it: the import leaves it out.
    { key: 'SMTP_PASSWORD', value: 'Zq8vN2kLw4RtY7pX' },
  ],
  files: {
    'app.py': '"""Sends the order e-mails queued in `outbox`."""\n\n\ndef handler(event, context):\n    return {"sent": len(event.get("Records", []))}\n',
  } as Record<string, string>,
};

/** What importing a cloud function does to the project, for the mock platform to apply. */
export interface MockImport {
  report: CloudImportReport;
  /** Applied in order after `addFunction`; `code_dir` goes in as a line after the handler. */
  edits: ManifestEdit[];
  codeDir: string;
  files: [string, string][];
}

export class MockCloud {
  /** target → function → what is deployed. */
  private readonly targets = new Map<string, Map<string, Deployed>>();
  /** `target/function` → the function's log lines, oldest first. */
  private readonly logs = new Map<string, LogLine[]>();
  private failAt: string | null;

  constructor(
    failAt: string | null,
    private readonly auth: string | null,
  ) {
    this.failAt = failAt;
  }

  private target(manifest: Manifest, name: string): Map<string, Deployed> {
    const target = manifest.targets.find((t) => t.name === name);
    if (!target) {
      fail('not_found', `no target \`${name}\` in functory.toml; known targets: ${manifest.targets.map((t) => t.name).join(', ')}`);
    }
    if (target.adapter === 'local') fail('invalid_input', `target \`${name}\` is the local runtime: use the Run & Logs view`);
    if (target.adapter === 'aws' && !target.profile && !target.account) {
      fail(
        'unauthenticated',
        `target \`${name}\` names no AWS profile and no keychain account: choose one in the Accounts view, or add \`profile = "NAME"\` or \`account = "NAME"\` to [targets.${name}]`,
      );
    }
    if (this.auth === 'expired') {
      fail(
        'unauthenticated',
        `not signed in: the SSO sign-in of AWS profile \`${target.profile ?? target.account}\` has expired or was never made: run \`aws sso login --profile ${target.profile ?? target.account}\`, then try again`,
      );
    }
    let functions = this.targets.get(name);
    if (!functions) {
      functions = new Map();
      this.targets.set(name, functions);
    }
    return functions;
  }

  private selected(manifest: Manifest, names: string[]): FunctionModel[] {
    if (names.length === 0) return manifest.functions;
    return names.map(
      (n) =>
        manifest.functions.find((f) => f.name === n) ??
        fail('not_found', `no function \`${n}\` in functory.toml; functions: ${manifest.functions.map((f) => f.name).join(', ')}`),
    );
  }

  private planOne(project: string, stage: string, fn: FunctionModel, files: Map<string, string>, deployed: Deployed | undefined): FunctionPlan {
    const sha = digest(codeOf(fn, files));
    const config = configOf(fn);
    const role = `functory-${project}-${fn.name}`;
    const changes: PlanChange[] = [];
    const size = codeOf(fn, files).length;
    if (!deployed) {
      changes.push(change('role', role, 'create', [`${fn.permissions.length} permission statement(s) + logging`], ['CreateRole', 'PutRolePolicy']));
      changes.push(change('function', fn.name, 'create', [`${fn.runtime}, ${fn.memoryMb} MB, ${fn.timeoutS} s`], ['CreateFunction']));
      changes.push(change('version', fn.name, 'create', [], ['PublishVersion']));
      changes.push(change('alias', stage, 'create', ['points at the new version'], ['CreateAlias']));
    } else {
      changes.push(change('role', role, 'noOp', [], []));
      const matching = [...deployed.versions].reverse().find((v) => v.codeSha256 === sha && v.config === config);
      const serving = deployed.aliases.get(stage) ?? null;
      if (matching) {
        changes.push(change('code', fn.name, 'noOp', [], []));
        changes.push(change('configuration', fn.name, 'noOp', [], []));
        changes.push(change('version', fn.name, 'noOp', [`version ${matching.version} already has this code`], []));
        if (serving === matching.version) changes.push(change('alias', stage, 'noOp', [`serves version ${serving}`], []));
        else changes.push(change('alias', stage, serving ? 'update' : 'create', [`version ${serving ?? '-'} → version ${matching.version}`], [serving ? 'UpdateAlias' : 'CreateAlias']));
      } else {
        const codeChanged = deployed.latestSha !== sha;
        const configChanged = deployed.latestConfig !== config;
        changes.push(codeChanged ? change('code', fn.name, 'update', [`${(size / 1024 / 1024).toFixed(1)} MB`], ['UpdateFunctionCode']) : change('code', fn.name, 'noOp', [], []));
        changes.push(configChanged ? change('configuration', fn.name, 'update', ['the configuration differs from functory.toml'], ['UpdateFunctionConfiguration']) : change('configuration', fn.name, 'noOp', [], []));
        changes.push(change('version', fn.name, 'create', [], codeChanged || configChanged ? ['TagResource', 'PublishVersion'] : ['PublishVersion']));
        changes.push(change('alias', stage, serving ? 'update' : 'create', [`version ${serving ?? '-'} → the new version`], [serving ? 'UpdateAlias' : 'CreateAlias']));
      }
    }
    return {
      function: fn.name,
      target: stage,
      codeSha256: sha,
      packageBytes: size,
      changes,
      noOp: changes.every((c) => c.action === 'noOp'),
    };
  }

  plan(manifest: Manifest, files: Map<string, string>, target: string, names: string[]): FunctionPlan[] {
    const functions = this.target(manifest, target);
    return this.selected(manifest, names).map((fn) => this.planOne(manifest.projectName, target, fn, files, functions.get(fn.name)));
  }

  /** Applies one function's plan step by step; the alias moves last. */
  private async apply(
    plan: FunctionPlan,
    fn: FunctionModel,
    deployed: Map<string, Deployed>,
    commit: string,
    onStep: (step: DeployStep) => void,
  ): Promise<{ version: string; calls: string[]; uploaded: boolean }> {
    const started = Date.now();
    const calls = plan.changes.flatMap((c) => c.calls);
    const effective = plan.changes.filter((c) => c.action !== 'noOp');
    const steps = effective.length;
    let state = deployed.get(fn.name);
    let version = plan.changes.find((c) => c.kind === 'version')?.details[0]?.match(/version (\d+)/)?.[1] ?? '';
    let uploaded = false;
    for (const [i, c] of effective.entries()) {
      onStep({ function: fn.name, step: i + 1, steps, label: `${c.action} ${c.kind} ${c.name}`, elapsedMs: Date.now() - started });
      await sleep(120);
      if (this.failAt === c.kind) {
        this.failAt = null;
        fail('cloud_error', `Lambda ${c.calls.at(-1) ?? c.kind} of \`${fn.name}\` for AWS profile \`dev\` could not reach the Lambda endpoint of region \`eu-west-1\` (connection reset): check the network connection and try again`);
      }
      if (c.kind === 'function') {
        state = { latestSha: plan.codeSha256, latestConfig: configOf(fn), versions: [], aliases: new Map() };
        deployed.set(fn.name, state);
        uploaded = true;
      } else if (c.kind === 'code' && state) {
        state.latestSha = plan.codeSha256;
        uploaded = true;
      } else if (c.kind === 'configuration' && state) {
        state.latestConfig = configOf(fn);
      } else if (c.kind === 'version' && state) {
        version = String(state.versions.length + 1);
        state.versions.push({
          version,
          codeSha256: plan.codeSha256,
          config: configOf(fn),
          lastModified: new Date().toISOString(),
          description: `functory commit ${commit}`,
        });
      } else if (c.kind === 'alias' && state) {
        state.aliases.set(plan.target, version);
      }
    }
    onStep({ function: fn.name, step: steps, steps, label: 'done', elapsedMs: Date.now() - started });
    return { version: version || (state?.aliases.get(plan.target) ?? ''), calls, uploaded };
  }

  async deploy(
    manifest: Manifest,
    files: Map<string, string>,
    history: MockHistory,
    target: string,
    names: string[],
    onStep: (step: DeployStep) => void,
  ): Promise<DeployReport> {
    const deployed = this.target(manifest, target);
    const selected = this.selected(manifest, names);
    const checkpoint = history.checkpoint(`Deploy ${selected.map((f) => f.name).join(', ')} to ${target}`);
    const report: DeployReport = { target, commit: checkpoint.commit, checkpointCreated: checkpoint.created, deployed: [], failed: null };
    for (const fn of selected) {
      const plan = this.planOne(manifest.projectName, target, fn, files, deployed.get(fn.name));
      try {
        const done = await this.apply(plan, fn, deployed, checkpoint.commit, onStep);
        history.seedDeploy({
          target,
          function: fn.name,
          cloudVersion: done.version,
          codeHash: plan.codeSha256,
          deployedAt: Math.floor(Date.now() / 1000),
          who: history.who(),
          commit: checkpoint.commit,
        });
        report.deployed.push({ function: fn.name, version: done.version, codeSha256: plan.codeSha256, uploaded: done.uploaded, calls: done.calls });
      } catch (error) {
        const e = error as ApiError;
        report.failed = { function: fn.name, code: e.code, message: e.message, stillServing: deployed.get(fn.name)?.aliases.get(target) ?? null };
        break;
      }
    }
    return report;
  }

  async redeploy(
    manifest: Manifest,
    oldManifest: Manifest,
    oldFiles: Map<string, string>,
    commit: string,
    history: MockHistory,
    target: string,
    name: string,
    onStep: (step: DeployStep) => void,
  ): Promise<DeployReport> {
    const deployed = this.target(manifest, target);
    const fn =
      oldManifest.functions.find((f) => f.name === name) ?? fail('not_found', `function \`${name}\` did not exist at commit ${commit.slice(0, 12)}`);
    const plan = this.planOne(manifest.projectName, target, fn, oldFiles, deployed.get(name));
    const report: DeployReport = { target, commit, checkpointCreated: false, deployed: [], failed: null };
    try {
      const done = await this.apply(plan, fn, deployed, commit, onStep);
      history.seedDeploy({
        target,
        function: name,
        cloudVersion: done.version,
        codeHash: plan.codeSha256,
        deployedAt: Math.floor(Date.now() / 1000),
        who: history.who(),
        commit,
      });
      report.deployed.push({ function: name, version: done.version, codeSha256: plan.codeSha256, uploaded: done.uploaded, calls: done.calls });
    } catch (error) {
      const e = error as ApiError;
      report.failed = { function: name, code: e.code, message: e.message, stillServing: deployed.get(name)?.aliases.get(target) ?? null };
    }
    return report;
  }

  remoteFunctions(manifest: Manifest, target: string): RemoteFunction[] {
    const deployed = this.target(manifest, target);
    const listed: RemoteFunction[] = [...deployed.keys()].map((name) => {
      const fn = manifest.functions.find((f) => f.name === name);
      return { name, runtime: fn?.runtime ?? 'nodejs20.x', memoryMb: fn?.memoryMb ?? 128, timeoutS: fn?.timeoutS ?? 3 };
    });
    listed.push({ name: MAILER.name, runtime: MAILER.runtime, memoryMb: MAILER.memoryMb, timeoutS: MAILER.timeoutS });
    return listed.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** What importing `name` of `target` brings into the project (functory-api's import). */
  importFunction(manifest: Manifest, target: string, name: string): MockImport {
    const deployed = this.target(manifest, target);
    if (manifest.functions.some((f) => f.name.toLowerCase() === name.toLowerCase())) {
      fail('already_exists', `functory.toml already has a function \`${name}\`: remove or rename it first, then import`);
    }
    if (name !== MAILER.name || deployed.has(name)) {
      fail('not_found', `Lambda GetFunction \`${name}\` for AWS profile \`dev\`: ResourceNotFoundException: Function not found`);
    }
    const report: CloudImportReport = { function: name, target, codeDir: name, imported: [], notImported: [] };
    const item = (subject: string, message: string) => ({ subject, message });
    report.imported.push(item('configuration', `${MAILER.runtime} ${MAILER.handler}, ${MAILER.memoryMb} MB, ${MAILER.timeoutS} s`));
    const edits: ManifestEdit[] = [
      { kind: 'setMemory', function: name, memoryMb: MAILER.memoryMb },
      { kind: 'setTimeout', function: name, timeoutS: MAILER.timeoutS },
    ];
    for (const variable of MAILER.environment) {
      if (variable.key === 'SMTP_PASSWORD') {
        report.notImported.push(
          item(
            `environment ${variable.key}`,
            'left out: it is named like a secret and holds a random-looking value (LMB003); keep it in Secrets Manager or SSM Parameter Store and set its name instead',
          ),
        );
      } else {
        edits.push({ kind: 'setEnv', function: name, key: variable.key, value: variable.value });
        report.imported.push(item(`environment ${variable.key}`, 'variable'));
      }
    }
    edits.push({ kind: 'addTrigger', function: name, trigger: { kind: 'queue', queue: 'outbox', batch_size: 5 } });
    report.imported.push(item('trigger queue outbox', 'event source mapping from arn:aws:sqs:eu-west-1:123456789012:outbox'));
    edits.push({ kind: 'addTrigger', function: name, trigger: { kind: 'schedule', expression: 'rate(1 day)', timezone: null } });
    report.imported.push(item('trigger schedule rate(1 day)', 'EventBridge Scheduler schedule mailer-daily-digest'));
    edits.push({ kind: 'addPermission', function: name, actions: ['ses:SendEmail'], resources: ['*'] });
    report.imported.push(item('inline policy send statement 1', 'permission ses:SendEmail'));
    report.notImported.push(
      item(
        'policy AWSLambdaBasicExecutionRole',
        'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole is managed by AWS; grant what the function needs from it as permissions, or keep attaching it outside Functory',
      ),
    );
    const files = Object.entries(MAILER.files).map(([path, text]) => [`${name}/${path}`, text] as [string, string]);
    return { report, edits, codeDir: name, files };
  }

  versions(manifest: Manifest, target: string, name: string): FunctionVersion[] {
    const adapter = manifest.targets.find((t) => t.name === target)?.adapter;
    if (adapter === 'azure' || adapter === 'gcp') {
      fail('not_supported', `${adapter === 'azure' ? 'Azure Functions' : 'Cloud Functions'} keeps no versions: use History's "Redeploy this"`);
    }
    const state = this.target(manifest, target).get(name);
    if (!state) return [];
    const serving = state.aliases.get(target) ?? null;
    return state.versions.map((v) => ({
      version: v.version,
      codeSha256: v.codeSha256,
      lastModified: v.lastModified,
      description: v.description,
      serving: v.version === serving,
    }));
  }

  /**
   * Invokes the deployed function the way moto's docker-less Lambda answers: the event echoed
   * back. Each invoke writes START/END/REPORT lines to the function's log group.
   */
  invoke(manifest: Manifest, target: string, name: string, event: string, latest: boolean, asynchronous: boolean): InvocationResult {
    const state = this.target(manifest, target).get(name);
    if (!manifest.functions.some((f) => f.name === name)) fail('not_found', `no function \`${name}\` in functory.toml`);
    if (!state || (!latest && !state.aliases.has(target))) {
      fail('not_found', `function \`${name}\` has no stage \`${target}\` yet: deploy it to target \`${target}\` first`);
    }
    const requestId = uuid();
    const version = latest ? '$LATEST' : (state.aliases.get(target) ?? '$LATEST');
    const lines = [
      `START RequestId: ${requestId} Version: ${version}`,
      `END RequestId: ${requestId}`,
      `REPORT RequestId: ${requestId}\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB`,
    ];
    const log = this.logGroup(target, name);
    const now = Date.now();
    lines.forEach((message, i) => log.push({ timestampMs: now + i, function: name, requestId, level: null, message }));
    return {
      requestId,
      statusCode: asynchronous ? 202 : 200,
      payload: asynchronous ? '' : event,
      functionError: null,
      metrics: null,
      coldStart: false,
      logs: asynchronous ? [] : lines,
    };
  }

  logSource(manifest: Manifest, target: string, name: string): TargetLogSource {
    this.target(manifest, target);
    if (!manifest.functions.some((f) => f.name === name)) fail('not_found', `no function \`${name}\` in functory.toml`);
    return {
      target,
      description: `CloudWatch Logs /aws/lambda/${name} (FilterLogEvents, polled every 2 s)`,
      expectedDelayMs: 7000,
    };
  }

  /**
   * Polls the function's log group as the host's FilterLogEvents tail does (every 200 ms here);
   * `live` sends only new lines, and fails as AWS does when the log group does not exist yet.
   */
  subscribe(manifest: Manifest, target: string, live: boolean, query: LogQuery, onBatch: (batch: LogBatch) => void): { close(): void } {
    this.target(manifest, target);
    const name = query.function;
    if (!name) fail('invalid_input', "choose a function: a cloud target's logs are read one function at a time");
    if (live && (this.logs.get(`${target}/${name}`)?.length ?? 0) === 0) {
      fail('not_found', `log group /aws/lambda/${name} (the function has not written a line yet: invoke it, then start the live tail) not found`);
    }
    const log = this.logGroup(target, name);
    if (live) query = { ...query, last: 0, follow: true };
    const matches = (line: LogLine) =>
      (!query.text || line.message.includes(query.text)) && (!query.requestId || line.requestId === query.requestId);
    let sent = Math.max(0, log.length - (query.last ?? log.length));
    const poll = () => {
      const lines = log.slice(sent).filter(matches);
      sent = log.length;
      if (lines.length > 0 || !query.follow) onBatch({ lines, ended: !query.follow, error: null });
    };
    const first = setTimeout(poll, 0);
    const timer = query.follow ? setInterval(poll, 200) : null;
    return {
      close: () => {
        clearTimeout(first);
        if (timer) clearInterval(timer);
      },
    };
  }

  private logGroup(target: string, name: string): LogLine[] {
    const key = `${target}/${name}`;
    let log = this.logs.get(key);
    if (!log) {
      log = [];
      this.logs.set(key, log);
    }
    return log;
  }

  rollback(manifest: Manifest, target: string, name: string, version: string): void {
    const state = this.target(manifest, target).get(name);
    if (!state || !state.aliases.has(target)) fail('not_found', `stage \`${target}\` of function \`${name}\` not found (deploy it first)`);
    if (!state.versions.some((v) => v.version === version)) {
      fail('invalid_input', `function \`${name}\` has no published version ${version}; its versions are: ${state.versions.map((v) => v.version).join(', ')}`);
    }
    state.aliases.set(target, version);
  }
}
