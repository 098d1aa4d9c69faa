import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { DeployReport } from '../../bindings/DeployReport';
import type { DeployStep } from '../../bindings/DeployStep';
import type { FunctionPlan } from '../../bindings/FunctionPlan';
import type { ResourcePlan } from '../../bindings/ResourcePlan';
import type { FunctionVersion } from '../../bindings/FunctionVersion';
import type { PlanChange } from '../../bindings/PlanChange';
import { useAppState, useWorkspace } from '../../app/context';
import { isDirty } from '../../app/state';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Icon } from '../../ui/Icon';
import { AddTargetForm } from '../targets/AddTargetForm';
import { RemoveTargetButton } from '../targets/RemoveTargetButton';
import { DeployProgress, DeployResult } from './DeployProgress';
import { Endpoints } from './Endpoints';
import { ImportPanel } from './ImportPanel';
import { adapterLabel } from '../targets/draft';
import { useTargetCapabilities } from '../targets/useTargetCapabilities';
import { TargetIdentityLine } from './TargetIdentityLine';

const SIGN: Record<string, string> = { create: '+', update: '~', delete: '−', noOp: '=' };
const ACTION: Record<string, string> = { create: 'create', update: 'update', delete: 'delete', noOp: 'no change' };

function ChangeRow({ change }: { change: PlanChange }) {
  return (
    <li className={`plan-change action-${change.action}`} data-testid="deploy-change" data-action={change.action} data-kind={change.kind}>
      <span className="plan-sign" aria-hidden="true">
        {SIGN[change.action] ?? '?'}
      </span>
      <span className="plan-kind">{change.kind}</span>
      <span className="plan-name mono">{change.name}</span>
      <span className="plan-action">{ACTION[change.action] ?? change.action}</span>
      {change.details.length > 0 && <span className="plan-details muted">{change.details.join('; ')}</span>}
      {change.calls.length > 0 && (
        <span className="plan-calls mono small" title="The API calls this change makes">
          {change.calls.join(' → ')}
        </span>
      )}
    </li>
  );
}

/** The declared resources (`[resources]`) a deploy creates before any function, or finds. */
function ResourcePlanView({ plan }: { plan: ResourcePlan }) {
  const creating = plan.changes.filter((c) => c.action !== 'noOp').length;
  return (
    <div className="plan-function" data-testid="deploy-plan-resources">
      <h3 className="plan-function-title">
        <Icon name="folder" size={14} /> Resources
        <span className="muted small" data-testid="deploy-plan-resources-summary">
          {' '}
          · {creating === 0 ? 'all exist' : `${creating} to create before the functions`}
        </span>
      </h3>
      <ul className="plan-changes">
        {plan.changes.map((change, i) => (
          <ChangeRow key={`${change.kind}-${change.name}-${i}`} change={change} />
        ))}
      </ul>
    </div>
  );
}

function PlanView({
  plans,
  resources,
  httpFunctions,
}: {
  plans: FunctionPlan[];
  resources: ResourcePlan | null;
  httpFunctions: Set<string>;
}) {
  const calls =
    plans.reduce((n, p) => n + p.changes.reduce((m, c) => m + c.calls.length, 0), 0) +
    (resources?.changes.reduce((m, c) => m + c.calls.length, 0) ?? 0);
  const changing = plans.filter((p) => !p.noOp).length;
  const resourcesChange = resources !== null && !resources.noOp;
  return (
    <section className="view-section" aria-labelledby="deploy-plan-title" data-testid="deploy-plan">
      <header className="view-section-header">
        <h2 id="deploy-plan-title" className="view-section-title">
          Plan
        </h2>
        <span className="muted" data-testid="deploy-plan-summary">
          {changing === 0 && !resourcesChange
            ? 'Nothing changes: every function is deployed as it is.'
            : `${changing} of ${plans.length} function${plans.length === 1 ? '' : 's'} change${resourcesChange ? ' · resources to create' : ''} · ${calls} API call${calls === 1 ? '' : 's'}`}
        </span>
      </header>
      {resources && <ResourcePlanView plan={resources} />}
      {plans.map((plan) => (
        <div key={plan.function} className="plan-function" data-testid={`deploy-plan-${plan.function}`}>
          <h3 className="plan-function-title">
            <Icon name="functions" size={14} /> {plan.function}
            <span className="muted small">
              {' '}
              · package {(plan.packageBytes / 1024 / 1024).toFixed(1)} MB · {plan.noOp ? 'no change' : 'changes'}
            </span>
          </h3>
          <ul className="plan-changes">
            {plan.changes.map((change, i) => (
              <ChangeRow key={`${change.kind}-${change.name}-${i}`} change={change} />
            ))}
          </ul>
          {plan.endpoints.length > 0 ? (
            <Endpoints endpoints={plan.endpoints} testId={`deploy-plan-endpoints-${plan.function}`} />
          ) : (
            httpFunctions.has(plan.function) && (
              <p className="muted small" data-testid={`deploy-plan-no-endpoints-${plan.function}`}>
                Its HTTP API does not exist on {plan.target} yet: the URL is shown once this deploy creates it.
              </p>
            )
          )}
        </div>
      ))}
    </section>
  );
}

function Versions({ target, fn }: { target: string; fn: string }) {
  const workspace = useWorkspace();
  const [versions, setVersions] = useState<FunctionVersion[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirm, setConfirm] = useState<FunctionVersion | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    const outcome = await workspace.functionVersions(target, fn);
    if (outcome.ok) {
      setVersions(outcome.value);
      setError(null);
    } else {
      setVersions(null);
      setError(outcome.error);
    }
  }, [workspace, target, fn]);

  useEffect(() => {
    void load();
  }, [load]);

  const rollback = async (version: FunctionVersion) => {
    setConfirm(null);
    const outcome = await workspace.rollback(target, fn, version.version);
    if (outcome.ok) {
      setMessage(`Stage ${target} of ${fn} now serves version ${version.version}.`);
      await load();
    } else {
      setError(outcome.error);
    }
  };

  return (
    <div className="versions" data-testid="deploy-versions">
      {error && (
        <p className="field-error" role="alert" data-testid="deploy-versions-error">
          {error.message}
        </p>
      )}
      {message && (
        <p className="view-status success" role="status" data-testid="deploy-rollback-result">
          {message}
        </p>
      )}
      {versions && versions.length === 0 && <p className="muted">{fn} has no published version on {target} yet.</p>}
      {versions && versions.length > 0 && (
        <ol className="version-list">
          {[...versions].reverse().map((v) => (
            <li key={v.version} className={`version-row${v.serving ? ' is-serving' : ''}`} data-testid={`deploy-version-${v.version}`}>
              <span className="version-number mono">v{v.version}</span>
              {v.serving ? (
                <span className="badge badge-success" data-testid="deploy-serving">
                  serving {target}
                </span>
              ) : (
                <button
                  type="button"
                  className="button button-small"
                  data-testid={`deploy-rollback-${v.version}`}
                  onClick={() => setConfirm(v)}
                >
                  <Icon name="history" size={13} /> Roll back to v{v.version}
                </button>
              )}
              <span className="muted small mono" title="CodeSha256">
                {v.codeSha256.slice(0, 12)}
              </span>
              <span className="muted small">{v.lastModified}</span>
            </li>
          ))}
        </ol>
      )}
      {confirm && (
        <ConfirmDialog
          title={`Roll ${fn} back to version ${confirm.version}?`}
          message={`Stage ${target} will serve version ${confirm.version} right away. Deploying again moves it forward.`}
          onCancel={() => setConfirm(null)}
          actions={[
            { label: 'Cancel', testId: 'rollback-cancel', onSelect: () => setConfirm(null) },
            { label: `Roll back to v${confirm.version}`, testId: 'rollback-confirm', kind: 'danger', onSelect: () => void rollback(confirm) },
          ]}
        />
      )}
    </div>
  );
}

/** Deploy to cloud targets: pick a target and functions, review the plan, confirm, watch it go. */
export function DeployArea() {
  const workspace = useWorkspace();
  const { project, buffers } = useAppState();
  const manifest = project?.manifest.manifest ?? null;
  const cloudTargets = useMemo(() => (manifest?.targets ?? []).filter((t) => t.adapter !== 'local'), [manifest]);
  const functions = useMemo(() => (manifest?.functions ?? []).map((f) => f.name), [manifest]);
  const httpFunctions = useMemo(
    () => new Set((manifest?.functions ?? []).filter((f) => f.triggers.some((t) => t.kind === 'http')).map((f) => f.name)),
    [manifest],
  );
  const [adding, setAdding] = useState(false);
  const [target, setTarget] = useState<string>('');
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const [plans, setPlans] = useState<FunctionPlan[] | null>(null);
  const [resourcePlan, setResourcePlan] = useState<ResourcePlan | null>(null);
  const [planning, setPlanning] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [steps, setSteps] = useState<Record<string, DeployStep>>({});
  const [deploying, setDeploying] = useState(false);
  const [report, setReport] = useState<DeployReport | null>(null);
  const [versionsOf, setVersionsOf] = useState<string | null>(null);
  const [versionsKey, setVersionsKey] = useState(0);

  const selectedTarget = cloudTargets.some((t) => t.name === target) ? target : (cloudTargets[0]?.name ?? '');
  const selectedTargetEntry = cloudTargets.find((t) => t.name === selectedTarget) ?? null;
  const selectedAdapter = selectedTargetEntry?.adapter ?? null;
  const capabilities = useTargetCapabilities(selectedTarget || null, selectedAdapter);
  const targetNames = (manifest?.targets ?? []).map((t) => t.name);
  const added = (name: string) => {
    setAdding(false);
    setTarget(name);
  };
  const selected = useMemo(() => (chosen ? functions.filter((f) => chosen.has(f)) : functions), [chosen, functions]);
  const dirty = buffers.filter(isDirty).map((b) => b.path);

  // A plan is only good for what it was computed for.
  useEffect(() => {
    setPlans(null);
    setReport(null);
  }, [selectedTarget, chosen, project?.manifest]);

  const plan = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!selectedTarget || selected.length === 0) return;
    setPlanning(true);
    setError(null);
    setReport(null);
    const [outcome, resources] = await Promise.all([
      workspace.deployPlan(selectedTarget, selected.length === functions.length ? [] : selected),
      workspace.deployResourcePlan(selectedTarget),
    ]);
    setPlanning(false);
    if (outcome.ok && resources.ok) {
      setPlans(outcome.value);
      setResourcePlan(resources.value);
    } else {
      setPlans(null);
      setResourcePlan(null);
      setError(outcome.ok ? (resources.ok ? null : resources.error) : outcome.error);
    }
  };

  const deploy = async () => {
    if (!plans) return;
    setDeploying(true);
    setError(null);
    setSteps({});
    const outcome = await workspace.deploy(selectedTarget, selected.length === functions.length ? [] : selected, (step) =>
      setSteps((s) => ({ ...s, [step.function]: step })),
    );
    setDeploying(false);
    setPlans(null);
    if (outcome.ok) {
      setReport(outcome.value);
      setVersionsKey((k) => k + 1);
    } else setError(outcome.error);
  };

  if (!manifest) {
    return (
      <div className="view" data-testid="deploy-view">
        <div className="view-inner">
          <p className="view-status warning">functory.toml has errors; fix them in the editor to deploy.</p>
        </div>
      </div>
    );
  }

  return (
    <div className="view deploy-view" data-testid="deploy-view">
      <div className="view-inner">
        <header className="view-header">
          <div className="view-header-icon">
            <Icon name="deploy" size={20} />
          </div>
          <div>
            <h1 className="view-title">Deploy</h1>
            <p className="view-lead">
              Review what will change, then ship. Each deploy is checkpointed in History first, and the stage moves to the new
              version last — a deploy cut short leaves the previous version serving.
            </p>
          </div>
        </header>

        {cloudTargets.length === 0 ? (
          adding ? (
            <AddTargetForm existing={targetNames} onAdded={added} onCancel={() => setAdding(false)} />
          ) : (
            <section className="empty-state" data-testid="deploy-empty">
              <h2 className="empty-state-title">No cloud target yet</h2>
              <p className="empty-state-what">
                A target says where functions deploy — AWS Lambda in a region, an Azure function app or a Google Cloud project —
                and how Functory signs in there: an AWS profile, a keychain account, or the credentials this machine already has.
                It is written to functory.toml as <code>[targets.NAME]</code>.
              </p>
              <div className="empty-state-actions">
                <button type="button" className="button button-primary" data-testid="deploy-empty-add-target" onClick={() => setAdding(true)}>
                  <Icon name="plus" size={14} /> Add a target
                </button>
                <button type="button" className="button" onClick={() => workspace.setArea('accounts')}>
                  <Icon name="accounts" size={14} /> Accounts
                </button>
              </div>
            </section>
          )
        ) : (
          <>
            {adding && <AddTargetForm existing={targetNames} onAdded={added} onCancel={() => setAdding(false)} />}
            <form className="deploy-form" onSubmit={(e) => void plan(e)} aria-label="What to deploy">
              <div className="field deploy-target-field">
                <label className="field-label" htmlFor="deploy-target">
                  Target
                </label>
                <div className="deploy-target-row">
                  <select id="deploy-target" className="input" data-testid="deploy-target" value={selectedTarget} onChange={(e) => setTarget(e.target.value)}>
                    {cloudTargets.map((t) => (
                      <option key={t.name} value={t.name}>
                        {t.name} ({t.adapter}
                        {t.region ? `, ${t.region}` : ''})
                      </option>
                    ))}
                  </select>
                  {!adding && (
                    <button type="button" className="button button-small button-ghost" data-testid="deploy-add-target" onClick={() => setAdding(true)}>
                      <Icon name="plus" size={13} /> Add target
                    </button>
                  )}
                  <RemoveTargetButton key={selectedTarget} target={selectedTarget} testId="deploy-remove-target" onRemoved={() => setTarget('')} />
                </div>
              </div>
              <fieldset className="field deploy-functions">
                <legend className="field-label">Functions</legend>
                {functions.map((f) => (
                  <label key={f} className="checkbox">
                    <input
                      type="checkbox"
                      data-testid={`deploy-function-${f}`}
                      checked={selected.includes(f)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.target.checked) next.add(f);
                        else next.delete(f);
                        setChosen(next);
                      }}
                    />{' '}
                    {f}
                  </label>
                ))}
              </fieldset>
              <div className="form-actions">
                <button
                  type="submit"
                  className="button"
                  data-testid="deploy-plan-button"
                  disabled={planning || deploying || selected.length === 0}
                >
                  <Icon name="compare" size={14} /> {planning ? 'Planning…' : 'Review plan'}
                </button>
                <button
                  type="button"
                  className="button button-primary"
                  data-testid="deploy-confirm"
                  disabled={!plans || deploying}
                  title={!plans ? 'Review the plan first' : undefined}
                  onClick={() => void deploy()}
                >
                  <Icon name="deploy" size={14} /> {deploying ? 'Deploying…' : `Deploy to ${selectedTarget}`}
                </button>
              </div>
              {dirty.length > 0 && (
                <p className="view-status warning" role="status" data-testid="deploy-unsaved">
                  {dirty.join(', ')} {dirty.length === 1 ? 'has' : 'have'} unsaved edits: the deploy uses the files on disk. Save
                  first (Ctrl+S) to ship them.
                </p>
              )}
            </form>

            {selectedTargetEntry && <TargetIdentityLine key={selectedTargetEntry.name} target={selectedTargetEntry} />}

            {error && (
              <section className="panel-card" role="alert" data-testid="deploy-error">
                <div className="panel-card-body">
                  <p className="field-error">{error.message}</p>
                  {(error.code === 'unauthenticated' || error.code === 'permission_denied') && (
                    <button type="button" className="button button-small" onClick={() => workspace.setArea('accounts')}>
                      <Icon name="accounts" size={13} /> Open Accounts
                    </button>
                  )}
                </div>
              </section>
            )}

            {plans && <PlanView plans={plans} resources={resourcePlan} httpFunctions={httpFunctions} />}
            {(deploying || Object.keys(steps).length > 0) && !report && <DeployProgress steps={steps} running={deploying} />}
            {report && <DeployResult report={report} />}

            <section className="view-section" aria-labelledby="deploy-versions-title">
              <header className="view-section-header">
                <h2 id="deploy-versions-title" className="view-section-title">
                  Versions and rollback
                </h2>
              </header>
              {capabilities === null ? null : !capabilities.versions ? (
                <p className="muted" data-testid="deploy-no-versions">
                  {adapterLabel(capabilities.kind)} keeps no versions to roll back to: each deploy replaces
                  what runs. To go back, open History and use “Redeploy this” on a recorded deploy — it ships that commit exactly as
                  it was.
                </p>
              ) : (
                <>
                  <div className="versions-picker">
                    {functions.map((f) => (
                      <button
                        key={f}
                        type="button"
                        className={`button button-small${versionsOf === f ? ' is-active' : ''}`}
                        aria-pressed={versionsOf === f}
                        data-testid={`deploy-versions-${f}`}
                        onClick={() => setVersionsOf(versionsOf === f ? null : f)}
                      >
                        {f}
                      </button>
                    ))}
                  </div>
                  {versionsOf && <Versions key={`${selectedTarget}-${versionsOf}-${versionsKey}`} target={selectedTarget} fn={versionsOf} />}
                </>
              )}
            </section>

            <p className="muted small" data-testid="deploy-logs-hint">
              To invoke a deployed function or follow its logs, choose this target under “Run on” in Run &amp; Logs.
            </p>

            {selectedAdapter === 'aws' && <ImportPanel target={selectedTarget} inProject={functions} />}
          </>
        )}
      </div>
    </div>
  );
}
