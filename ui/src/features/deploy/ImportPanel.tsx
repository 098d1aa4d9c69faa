import { useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { CloudImportReport } from '../../bindings/CloudImportReport';
import type { RemoteFunction } from '../../bindings/RemoteFunction';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';

/** One list of an import report, drawn like a plan's changes. */
function ReportItems({
  items,
  sign,
  action,
  testId,
}: {
  items: CloudImportReport['imported'];
  sign: string;
  action: 'create' | 'noOp';
  testId: string;
}) {
  return (
    <ul className="plan-changes" data-testid={testId}>
      {items.map((item, i) => (
        <li key={i} className={`plan-change action-${action}`}>
          <span className="plan-sign" aria-hidden="true">
            {sign}
          </span>
          <span className="plan-kind">{item.subject}</span>
          <span className="plan-details muted">{item.message}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * "Import from AWS": the functions of the target's account and region, each with an Import
 * button that brings it into the open project (code into its own folder, settings, triggers
 * and permissions into functory.toml) and shows what was imported and what was not.
 */
export function ImportPanel({ target, inProject }: { target: string; inProject: string[] }) {
  const workspace = useWorkspace();
  const [remote, setRemote] = useState<RemoteFunction[] | null>(null);
  const [listing, setListing] = useState(false);
  const [importing, setImporting] = useState<string | null>(null);
  const [overwrite, setOverwrite] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [report, setReport] = useState<CloudImportReport | null>(null);

  const list = async () => {
    setListing(true);
    setError(null);
    const outcome = await workspace.remoteFunctions(target);
    setListing(false);
    if (outcome.ok) setRemote(outcome.value);
    else {
      setRemote(null);
      setError(outcome.error);
    }
  };

  const bring = async (name: string) => {
    setImporting(name);
    setError(null);
    setReport(null);
    const outcome = await workspace.importCloudFunction(target, name, overwrite);
    setImporting(null);
    if (outcome.ok) setReport(outcome.value);
    else setError(outcome.error);
  };

  const have = (name: string) => inProject.some((f) => f.toLowerCase() === name.toLowerCase());

  return (
    <section className="view-section" aria-labelledby="deploy-import-title" data-testid="deploy-import">
      <header className="view-section-header">
        <h2 id="deploy-import-title" className="view-section-title">
          Import from AWS
        </h2>
        <span className="muted">Bring a function of {target}'s account into this project.</span>
      </header>
      <div className="form-actions">
        <button type="button" className="button" data-testid="deploy-import-list" disabled={listing} onClick={() => void list()}>
          <Icon name="deploy" size={14} /> {listing ? 'Listing…' : `List functions of ${target}`}
        </button>
        <label className="checkbox" title="Replace files in the function's folder that differ from the deployed code">
          <input type="checkbox" data-testid="deploy-import-overwrite" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />{' '}
          Overwrite changed files
        </label>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="deploy-import-error">
          {error.message}
        </p>
      )}
      {remote && remote.length === 0 && <p className="muted">No function in {target}'s account and region.</p>}
      {remote && remote.length > 0 && (
        <ul className="version-list" data-testid="deploy-import-functions">
          {remote.map((f) => (
            <li key={f.name} className="version-row" data-testid={`deploy-import-row-${f.name}`}>
              <span className="mono">{f.name}</span>
              <span className="muted small">
                {f.runtime} · {f.memoryMb} MB · {f.timeoutS} s
              </span>
              {have(f.name) ? (
                <span className="badge" data-testid={`deploy-import-have-${f.name}`}>
                  in this project
                </span>
              ) : (
                <button
                  type="button"
                  className="button button-small"
                  data-testid={`deploy-import-${f.name}`}
                  disabled={importing !== null}
                  onClick={() => void bring(f.name)}
                >
                  <Icon name="functions" size={13} /> {importing === f.name ? 'Importing…' : 'Import'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {report && (
        <div className="panel-card" data-testid="deploy-import-report">
          <div className="panel-card-body">
            <p className="view-status success" role="status">
              Imported {report.function} into {report.codeDir}/ and functory.toml: {report.imported.length} item
              {report.imported.length === 1 ? '' : 's'} imported, {report.notImported.length} not.
            </p>
            <ReportItems items={report.imported} sign="+" action="create" testId="deploy-import-imported" />
            {report.notImported.length > 0 && (
              <>
                <h3 className="plan-function-title">Not imported</h3>
                <ReportItems items={report.notImported} sign="·" action="noOp" testId="deploy-import-not-imported" />
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
