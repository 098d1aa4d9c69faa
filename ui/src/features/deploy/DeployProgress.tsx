import type { DeployReport } from '../../bindings/DeployReport';
import type { DeployStep } from '../../bindings/DeployStep';
import { Endpoints } from './Endpoints';

/** One bar per function: the current step, how many, and the time so far. */
export function DeployProgress({ steps, running }: { steps: Record<string, DeployStep>; running: boolean }) {
  const entries = Object.values(steps);
  return (
    <section className="view-section deploy-progress" aria-live="polite" data-testid="deploy-progress">
      {entries.length === 0 && running && <p className="muted">Packaging and signing in…</p>}
      {entries.map((step) => (
        <div key={step.function} className="progress-row" data-testid={`deploy-progress-${step.function}`}>
          <span className="progress-function">{step.function}</span>
          <progress
            max={Math.max(step.steps, 1)}
            value={step.label === 'done' ? Math.max(step.steps, 1) : Math.max(step.step - 1, 0)}
            aria-label={`${step.function}: step ${step.step} of ${step.steps}`}
          />
          <span className="progress-label" data-testid="deploy-progress-label">
            {step.label === 'done' ? 'done' : `${step.step}/${step.steps} · ${step.label}`}
          </span>
          <span className="muted small mono">{(step.elapsedMs / 1000).toFixed(1)} s</span>
        </div>
      ))}
    </section>
  );
}

/** What a deploy did; a failure says which version the stage still serves. */
export function DeployResult({ report }: { report: DeployReport }) {
  return (
    <section className="view-section" data-testid="deploy-result">
      {report.deployed.map((d) => (
        <div key={d.function}>
          <p className="view-status success" role="status" data-testid={`deploy-result-${d.function}`}>
            {d.function} deployed to {report.target}: version {d.version}
            {d.calls.length === 0 ? ' (no change)' : d.uploaded ? ' (code uploaded)' : ' (configuration only)'}
          </p>
          {d.endpoints.length > 0 && <Endpoints endpoints={d.endpoints} testId={`deploy-result-endpoints-${d.function}`} />}
        </div>
      ))}
      {report.failed && (
        <div className="panel-card" role="alert" data-testid="deploy-failure">
          <div className="panel-card-body">
            <p className="field-error">
              Deploying {report.failed.function} failed: {report.failed.message}
            </p>
            <p data-testid="deploy-still-serving">
              {report.failed.stillServing
                ? `Stage ${report.target} still serves version ${report.failed.stillServing}. Deploy again to finish.`
                : `${report.failed.function} has no stage ${report.target} yet: nothing of it is served. Deploy again to finish.`}
            </p>
          </div>
        </div>
      )}
      <p className="muted small" data-testid="deploy-commit">
        Recorded in History at commit <span className="mono">{report.commit.slice(0, 10)}</span>
        {report.checkpointCreated ? ' (a new checkpoint)' : ''}.
      </p>
    </section>
  );
}
