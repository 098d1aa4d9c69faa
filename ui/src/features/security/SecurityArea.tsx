// The Security view: the security linter's findings for the open project, grouped per file and
// per function, with each rule's explanation, one-click safe fixes, reviewed unsafe fixes, and
// a browser of every rule's documentation.

import { useEffect, useMemo, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { LintFinding } from '../../bindings/LintFinding';
import type { LintFixPreview } from '../../bindings/LintFixPreview';
import type { LintRuleDoc } from '../../bindings/LintRuleDoc';
import { useAppState, useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';
import { LeastPrivilegePanel } from './LeastPrivilege';
import { ModalDialog } from '../../ui/ModalDialog';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
type SeverityFilter = 'all' | (typeof SEVERITIES)[number];

const rank = (severity: string) => {
  const i = SEVERITIES.indexOf(severity as (typeof SEVERITIES)[number]);
  return i < 0 ? SEVERITIES.length : i;
};

/** Findings listed at first, and added per "Show more": a project of hundreds of functions may have thousands. */
export const FINDINGS_PAGE = 150;

/**
 * Findings at or above `filter`, grouped by file then by function (null: the file itself),
 * each function's sorted by severity then line. Linear in the number of findings (but for the
 * sorts within one function).
 */
export function groupFindings(findings: LintFinding[], filter: SeverityFilter) {
  const shown = findings.filter((f) => f.suppressed === null && (filter === 'all' || rank(f.severity) <= rank(filter)));
  const files = new Map<string, Map<string | null, LintFinding[]>>();
  for (const f of shown) {
    let byFunction = files.get(f.file);
    if (!byFunction) {
      byFunction = new Map<string | null, LintFinding[]>();
      files.set(f.file, byFunction);
    }
    const list = byFunction.get(f.function);
    if (list) list.push(f);
    else byFunction.set(f.function, [f]);
  }
  for (const byFunction of files.values()) {
    for (const list of byFunction.values()) list.sort((a, b) => rank(a.severity) - rank(b.severity) || a.line - b.line);
  }
  return { shown, files };
}

/** The groups to draw when at most `limit` findings are listed: the first ones, in order. */
function firstFindings(files: Map<string, Map<string | null, LintFinding[]>>, limit: number) {
  const out: { file: string; functions: { fn: string | null; findings: LintFinding[] }[] }[] = [];
  let left = limit;
  for (const [file, byFunction] of files) {
    if (left <= 0) break;
    const functions: { fn: string | null; findings: LintFinding[] }[] = [];
    for (const [fn, findings] of byFunction) {
      if (left <= 0) break;
      functions.push({ fn, findings: findings.slice(0, left) });
      left -= Math.min(left, findings.length);
    }
    out.push({ file, functions });
  }
  return out;
}

function SeverityBadge({ severity }: { severity: string }) {
  return (
    <span className={`severity-badge severity-${severity}`} data-testid="security-severity">
      {severity}
    </span>
  );
}

function FixDialog({
  preview,
  onCancel,
  onConfirm,
}: {
  preview: LintFixPreview;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <ModalDialog className="dialog security-fix-dialog" testId="security-fix-dialog" titleId="security-fix-title" onCancel={onCancel}>
      <h2 id="security-fix-title" className="dialog-title">
        Apply an unsafe fix to {preview.file}?
      </h2>
      <p className="dialog-message">
        {preview.message}. This fix changes what the policy allows or how it is read: review the change before applying it.
      </p>
      <pre className="security-diff mono" data-testid="security-fix-diff">
        {preview.diff.split('\n').filter(Boolean).map((line, i) => (
          <span
            key={i}
            className={line.startsWith('+') ? 'is-added' : line.startsWith('-') ? 'is-removed' : undefined}
          >
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
      <div className="dialog-actions">
        <button type="button" className="button" data-testid="security-fix-cancel" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" data-testid="security-fix-confirm" onClick={onConfirm}>
          Apply fix
        </button>
      </div>
    </ModalDialog>
  );
}

function FindingItem({
  finding,
  doc,
  busy,
  onOpen,
  onFix,
  onReview,
}: {
  finding: LintFinding;
  doc: LintRuleDoc | undefined;
  busy: boolean;
  onOpen: () => void;
  onFix: () => void;
  onReview: () => void;
}) {
  const [explained, setExplained] = useState(false);
  const fix = finding.fix;
  return (
    <li
      className="security-finding"
      data-testid="security-finding"
      data-id={finding.id}
      data-code={finding.code}
      data-severity={finding.severity}
    >
      <div className="security-finding-head">
        <SeverityBadge severity={finding.severity} />
        <span className="mono security-code" data-testid="security-code">
          {finding.code}
        </span>
        <button
          type="button"
          className="link-button security-message"
          data-testid="security-open"
          title={`Open ${finding.file} at line ${finding.line}`}
          onClick={onOpen}
        >
          {finding.message}
        </button>
        <span className="muted small mono">
          {finding.line}:{finding.column}
        </span>
      </div>
      {finding.note && <p className="muted small">{finding.note}</p>}
      <div className="security-finding-actions">
        <button
          type="button"
          className="button button-small button-ghost"
          data-testid="security-explain"
          aria-expanded={explained}
          onClick={() => setExplained((v) => !v)}
        >
          {explained ? 'Hide explanation' : 'Explain'}
        </button>
        {fix && fix.applicability === 'safe' && (
          <button type="button" className="button button-small button-primary" data-testid="security-fix" disabled={busy} onClick={onFix}>
            Fix
          </button>
        )}
        {fix && fix.applicability === 'unsafe' && (
          <button type="button" className="button button-small" data-testid="security-review-fix" disabled={busy} onClick={onReview}>
            Review fix…
          </button>
        )}
        {fix && <span className="muted small">{fix.message}</span>}
      </div>
      {explained && (
        <div className="security-explanation" data-testid="security-explanation">
          {doc ? (
            <>
              <p>
                <strong>
                  {doc.code} {doc.name}
                </strong>{' '}
                — {doc.summary}
              </p>
              <div className="security-doc-text">{doc.documentation}</div>
            </>
          ) : (
            <p className="muted">No documentation for {finding.code}.</p>
          )}
        </div>
      )}
    </li>
  );
}

function RuleBrowser({ docs, selected, onSelect }: { docs: LintRuleDoc[]; selected: string | null; onSelect: (code: string) => void }) {
  const doc = docs.find((d) => d.code === selected) ?? docs[0];
  return (
    <div className="security-rules" data-testid="security-rules">
      <ul className="plain-list security-rule-list">
        {docs.map((d) => (
          <li key={d.code}>
            <button
              type="button"
              className={`security-rule-item${d.code === doc?.code ? ' is-active' : ''}`}
              data-testid={`security-rule-${d.code}`}
              aria-current={d.code === doc?.code ? 'true' : undefined}
              onClick={() => onSelect(d.code)}
            >
              <span className="mono">{d.code}</span> <span className="muted small">{d.name}</span>
            </button>
          </li>
        ))}
      </ul>
      {doc && (
        <article className="security-rule-doc" data-testid="security-rule-doc">
          <h2 className="view-section-title">
            {doc.code} {doc.name}
          </h2>
          <p>
            <SeverityBadge severity={doc.severity} /> Fix: {doc.fix}. Checks {doc.target}.
          </p>
          <p>{doc.summary}</p>
          <div className="security-doc-text">{doc.documentation}</div>
        </article>
      )}
    </div>
  );
}

export function SecurityArea() {
  const workspace = useWorkspace();
  const { lint } = useAppState();
  const [tab, setTab] = useState<'findings' | 'least-privilege' | 'rules'>('findings');
  const [filter, setFilter] = useState<SeverityFilter>('all');
  const [docs, setDocs] = useState<LintRuleDoc[]>([]);
  const [selectedRule, setSelectedRule] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [review, setReview] = useState<{ finding: LintFinding; preview: LintFixPreview } | null>(null);

  useEffect(() => {
    void workspace.lintUnlessRunning().then((outcome) => setError(outcome.ok ? null : outcome.error));
    void workspace.lintRuleDocs().then((outcome) => {
      if (outcome.ok) setDocs(outcome.value);
    });
  }, [workspace]);

  const docsByCode = useMemo(() => new Map(docs.map((d) => [d.code, d])), [docs]);
  const { shown, files } = useMemo(() => groupFindings(lint ?? [], filter), [lint, filter]);
  const [limit, setLimit] = useState(FINDINGS_PAGE);
  const listed = useMemo(() => firstFindings(files, limit), [files, limit]);

  const [relinting, setRelinting] = useState(false);
  const relint = async () => {
    setRelinting(true);
    const outcome = await workspace.lint();
    setRelinting(false);
    setError(outcome.ok ? null : outcome.error);
  };

  const applyFix = async (finding: LintFinding, confirm: boolean) => {
    setBusy(true);
    const outcome = await workspace.applyLintFix(finding, confirm);
    setBusy(false);
    setError(outcome.ok ? null : outcome.error);
  };

  const reviewFix = async (finding: LintFinding) => {
    const outcome = await workspace.previewLintFix(finding.id);
    if (outcome.ok) setReview({ finding, preview: outcome.value });
    else setError(outcome.error);
  };

  return (
    <div className="view security-view" data-testid="security-view">
      <div className="view-inner">
        <header className="view-header compact">
          <div className="view-header-icon">
            <Icon name="security" size={20} />
          </div>
          <div>
            <h1 className="view-title">Security</h1>
            <p className="view-lead">
              The security linter reads every IAM policy, CloudFormation/SAM template and functory.toml of this project
              for risky permissions and function settings. Each finding has a rule code, an explanation and, often, a fix.
            </p>
          </div>
        </header>

        <div className="security-toolbar">
          <div className="security-tabs" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'findings'}
              className={`button button-small${tab === 'findings' ? ' button-primary' : ''}`}
              data-testid="security-tab-findings"
              onClick={() => setTab('findings')}
            >
              Findings <span className="count-badge">{shown.length}</span>
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'least-privilege'}
              className={`button button-small${tab === 'least-privilege' ? ' button-primary' : ''}`}
              data-testid="security-tab-least-privilege"
              onClick={() => setTab('least-privilege')}
            >
              Least privilege
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'rules'}
              className={`button button-small${tab === 'rules' ? ' button-primary' : ''}`}
              data-testid="security-tab-rules"
              onClick={() => setTab('rules')}
            >
              Rules
            </button>
          </div>
          {tab === 'findings' && (
            <>
              <label className="field-label security-filter">
                Severity{' '}
                <select
                  data-testid="security-filter"
                  value={filter}
                  onChange={(event) => setFilter(event.target.value as SeverityFilter)}
                >
                  <option value="all">All</option>
                  {SEVERITIES.map((s) => (
                    <option key={s} value={s}>
                      {s === 'info' ? 'info and above' : s === 'critical' ? 'critical' : `${s} and above`}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                className="button button-small button-ghost"
                data-testid="security-relint"
                data-busy={relinting}
                disabled={relinting}
                onClick={() => void relint()}
              >
                <Icon name="reload" size={14} /> {relinting ? 'Linting…' : 'Lint again'}
              </button>
            </>
          )}
        </div>

        {error && (
          <p className="field-error" role="alert" data-testid="security-error">
            {error.message}
          </p>
        )}

        {tab === 'rules' ? (
          <RuleBrowser docs={docs} selected={selectedRule} onSelect={setSelectedRule} />
        ) : tab === 'least-privilege' ? (
          <LeastPrivilegePanel />
        ) : lint === null ? (
          <p className="muted" data-testid="security-loading">
            Linting…
          </p>
        ) : shown.length === 0 ? (
          <p className="view-status success" data-testid="security-clean">
            {lint.length === 0 ? 'No findings: nothing risky found.' : 'No findings at this severity.'}
          </p>
        ) : (
          <div className="security-files">
            {listed.map(({ file, functions }) => (
              <section key={file} className="view-section" data-testid={`security-file-${file}`}>
                <h2 className="view-section-title mono">{file}</h2>
                {functions.map(({ fn, findings }) => (
                  <div key={fn ?? ''} className="security-function" data-testid={`security-function-${fn ?? '(file)'}`}>
                    <h3 className="security-function-title">{fn ? `Function ${fn}` : 'Whole file'}</h3>
                    <ul className="plain-list">
                      {findings.map((f) => (
                        <FindingItem
                          key={f.id}
                          finding={f}
                          doc={docsByCode.get(f.code)}
                          busy={busy}
                          onOpen={() => workspace.jumpTo(f.file, f.line, f.column)}
                          onFix={() => void applyFix(f, false)}
                          onReview={() => void reviewFix(f)}
                        />
                      ))}
                    </ul>
                  </div>
                ))}
              </section>
            ))}
            {shown.length > limit && (
              <p className="security-more">
                <span className="muted small" data-testid="security-listed">
                  {limit} of {shown.length} findings listed.
                </span>{' '}
                <button
                  type="button"
                  className="button button-small"
                  data-testid="security-show-more"
                  onClick={() => setLimit((l) => l + FINDINGS_PAGE)}
                >
                  Show {Math.min(FINDINGS_PAGE, shown.length - limit)} more
                </button>{' '}
                <button type="button" className="button button-small button-ghost" onClick={() => setLimit(shown.length)}>
                  Show all
                </button>
              </p>
            )}
          </div>
        )}

        {review && (
          <FixDialog
            preview={review.preview}
            onCancel={() => setReview(null)}
            onConfirm={() => {
              const { finding } = review;
              setReview(null);
              void applyFix(finding, true);
            }}
          />
        )}
      </div>
    </div>
  );
}
