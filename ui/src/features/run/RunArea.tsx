// Run & Logs: start and stop the project's local run, pick a function and an event (a sample
// per trigger kind, or a saved test event), invoke it and read the outcome, watch the live log,
// and see what the run serves. Kept mounted while hidden (per project), so the event being
// edited, the last result and the log survive a visit to another area.

import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { InvocationResult } from '../../bindings/InvocationResult';
import type { RunStatus } from '../../bindings/RunStatus';
import type { RunSwitches } from '../../bindings/RunSwitches';
import type { SampleEvent } from '../../bindings/SampleEvent';
import type { SavedEvent } from '../../bindings/SavedEvent';
import { useAppState, useWorkspace } from '../../app/context';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Icon } from '../../ui/Icon';
import { useColorScheme } from '../theme/useColorScheme';
import { Endpoints } from '../deploy/Endpoints';
import { FidelityPanel } from './FidelityPanel';
import { adapterLabel } from '../targets/draft';
import { useTargetCapabilities } from '../targets/useTargetCapabilities';
import { InvocationPanel } from './InvocationPanel';
import type { JsonErrorMark } from './JsonEditor';
import { LogPane, type LogFilterRequest } from './LogPane';
import { type DeclaredRoute, RouteCallPanel } from './RouteCallPanel';
import { RunStatusPanels } from './RunStatusPanels';

const JsonEditor = lazy(() => import('./JsonEditor'));

const STATUS_POLL_MS = 1_000;
const DEFAULT_PORT = '8787';

const KIND_LABELS: Record<string, string> = {
  direct: 'Direct',
  http: 'HTTP',
  schedule: 'Schedule',
  storage: 'Storage',
  queue: 'Queue',
  stream: 'Stream',
  url: 'Function URL',
};

/** "line 3, column 5" in the host's message about malformed JSON. */
function jsonErrorMark(error: ApiError): JsonErrorMark | null {
  const at = /line (\d+), column (\d+)/.exec(error.message);
  return at ? { line: Number(at[1]), column: Number(at[2]), message: error.message } : null;
}

function isEventError(error: ApiError): boolean {
  return error.code === 'invalid_input' && error.message.startsWith('the event is not valid JSON');
}

export function RunArea({ visible }: { visible: boolean }) {
  const workspace = useWorkspace();
  const { project, selectedFunction } = useAppState();
  const scheme = useColorScheme();
  const functions = useMemo(() => project?.manifest.manifest?.functions.map((f) => f.name) ?? [], [project]);

  const [status, setStatus] = useState<RunStatus | null>(null);
  const [port, setPort] = useState(DEFAULT_PORT);
  const [runBusy, setRunBusy] = useState<'starting' | 'stopping' | null>(null);
  // The local AWS services switches the next run starts with (kept by the host).
  const [switches, setSwitches] = useState<RunSwitches>({ awsServices: null, enforcePermissions: true });
  useEffect(() => {
    let current = true;
    void workspace.runSwitches().then((outcome) => {
      if (current && outcome.ok) setSwitches(outcome.value);
    });
    return () => {
      current = false;
    };
  }, [workspace]);
  const changeSwitches = (next: RunSwitches) => {
    setSwitches(next);
    void workspace.setRunSwitches(next).then((outcome) => {
      if (!outcome.ok) setRunError(outcome.error);
    });
  };
  const [runError, setRunError] = useState<ApiError | null>(null);

  const [fn, setFn] = useState<string | null>(() =>
    selectedFunction && functions.includes(selectedFunction) ? selectedFunction : (functions[0] ?? null),
  );
  /** The event text per function, so switching functions keeps each one's edits. */
  const [events, setEvents] = useState<Record<string, string>>({});
  const [samples, setSamples] = useState<SampleEvent[]>([]);
  const [saved, setSaved] = useState<SavedEvent[]>([]);
  const [picked, setPicked] = useState('');
  const [saveName, setSaveName] = useState('');
  const [eventError, setEventError] = useState<ApiError | null>(null);
  const [eventsError, setEventsError] = useState<ApiError | null>(null);

  const [invoking, setInvoking] = useState(false);
  const [firing, setFiring] = useState<string | null>(null);
  const [result, setResult] = useState<{ fn: string; value: InvocationResult; target?: string } | null>(null);
  const [invokeError, setInvokeError] = useState<ApiError | null>(null);
  const [requestFilter, setRequestFilter] = useState<LogFilterRequest | null>(null);
  /** '' runs on the local runtime; otherwise the name of the cloud target invoked and tailed. */
  const [where, setWhere] = useState('');
  const [latest, setLatest] = useState(false);
  const [asynchronous, setAsynchronous] = useState(false);
  const cloudTargets = useMemo(() => (project?.manifest.manifest?.targets ?? []).filter((t) => t.adapter !== 'local'), [project]);
  const cloudTarget = cloudTargets.find((t) => t.name === where) ?? null;
  const capabilities = useTargetCapabilities(cloudTarget?.name ?? null, cloudTarget?.adapter ?? null);
  // A switch the target does not offer is off, whatever it was set to for another target.
  const invokeLatest = latest && capabilities?.aliases === true;
  const invokeQueued = asynchronous && capabilities?.asyncInvoke === true;

  const eventText = fn !== null ? (events[fn] ?? '{}') : '{}';

  // On a cloud target, where the function's HTTP routes answer (its HTTP API there), read from
  // the target as a plan reads it; `[]` while the API does not exist there yet.
  const httpRoutes = useMemo<DeclaredRoute[]>(
    () =>
      (project?.manifest.manifest?.functions ?? [])
        .find((f) => f.name === fn)
        ?.triggers.flatMap((t) => (t.kind === 'http' ? [{ method: t.method, path: t.path }] : [])) ?? [],
    [project, fn],
  );
  const hasHttp = httpRoutes.length > 0;
  const [targetEndpoints, setTargetEndpoints] = useState<string[] | null>(null);
  const cloudTargetName = cloudTarget?.name ?? null;
  useEffect(() => {
    setTargetEndpoints(null);
    if (cloudTargetName === null || fn === null || !hasHttp) return;
    let live = true;
    void workspace.deployPlan(cloudTargetName, [fn]).then((outcome) => {
      if (live && outcome.ok) setTargetEndpoints(outcome.value[0]?.endpoints ?? []);
    });
    return () => {
      live = false;
    };
  }, [workspace, cloudTargetName, fn, hasHttp]);

  // A function removed from functory.toml: fall back to the first one.
  useEffect(() => {
    if (fn === null || !functions.includes(fn)) setFn(functions[0] ?? null);
  }, [functions, fn]);

  // A target removed from functory.toml: back to the local runtime.
  useEffect(() => {
    if (where !== '' && !cloudTarget) setWhere('');
  }, [where, cloudTarget]);

  const refreshStatus = useCallback(async () => {
    const outcome = await workspace.runStatus();
    if (outcome.ok) setStatus(outcome.value);
  }, [workspace]);

  useEffect(() => {
    void refreshStatus();
  }, [refreshStatus]);

  // Instances change with every invoke and idle reaping: poll while shown and running.
  useEffect(() => {
    if (!visible || !status?.running) return;
    const timer = setInterval(() => void refreshStatus(), STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, [visible, status?.running, refreshStatus]);

  // The function's sample and saved events.
  useEffect(() => {
    if (fn === null) return;
    let current = true;
    setEventsError(null);
    void Promise.all([workspace.sampleEvents(fn), workspace.savedEvents(fn)]).then(([s, v]) => {
      if (!current) return;
      if (s.ok) setSamples(s.value);
      if (v.ok) setSaved(v.value);
      const failed = !s.ok ? s.error : !v.ok ? v.error : null;
      setEventsError(failed);
      setPicked('');
    });
    return () => {
      current = false;
    };
  }, [workspace, fn, project?.manifest]);

  const setEventText = (text: string) => {
    if (fn === null) return;
    setEvents((all) => ({ ...all, [fn]: text }));
    setEventError(null);
  };

  const pick = (value: string) => {
    setPicked(value);
    const [source, key] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
    if (source === 'sample') {
      const sample = samples[Number(key)];
      if (sample) setEventText(sample.event);
    } else if (source === 'saved') {
      const event = saved.find((s) => s.name === key);
      if (event) {
        setEventText(event.event);
        setSaveName(event.name);
      }
    }
  };

  const start = async (portText: string): Promise<boolean> => {
    const trimmed = portText.trim();
    const number = trimmed === '' ? null : Number(trimmed);
    if (number !== null && (!Number.isInteger(number) || number < 0 || number > 65535)) {
      setRunError({ code: 'invalid_input', message: 'The port must be a whole number from 0 to 65535 (0 picks any free port).' });
      return false;
    }
    setRunBusy('starting');
    setRunError(null);
    const outcome = await workspace.startRun(number);
    setRunBusy(null);
    if (!outcome.ok) {
      setRunError(outcome.error);
      return false;
    }
    setStatus(outcome.value);
    return true;
  };

  const stop = async () => {
    setRunBusy('stopping');
    const outcome = await workspace.stopRun();
    setRunBusy(null);
    if (outcome.ok) setStatus(outcome.value);
    else setRunError(outcome.error);
  };

  const [confirmingReset, setConfirmingReset] = useState(false);
  const resetLocalData = async () => {
    setConfirmingReset(false);
    setRunBusy('stopping');
    const outcome = await workspace.resetLocalData();
    setRunBusy(null);
    if (outcome.ok) setStatus(outcome.value);
    else setRunError(outcome.error);
  };

  const restart = async () => {
    await stop();
    await start(port);
  };

  const invoke = async () => {
    if (fn === null || invoking) return;
    setInvokeError(null);
    setEventError(null);
    // A malformed event is refused before anything starts (the host checks it too).
    try {
      JSON.parse(eventText);
    } catch {
      const outcome = await workspace.invokeFunction(fn, eventText);
      if (!outcome.ok) setEventError(outcome.error);
      return;
    }
    setInvoking(true);
    if (cloudTarget) {
      const outcome = await workspace.invokeOnTarget(cloudTarget.name, fn, eventText, invokeLatest, invokeQueued);
      setInvoking(false);
      if (outcome.ok) setResult({ fn, value: outcome.value, target: cloudTarget.name });
      else if (isEventError(outcome.error)) setEventError(outcome.error);
      else setInvokeError(outcome.error);
      return;
    }
    if (!status?.running && !(await start(port))) {
      setInvoking(false);
      return;
    }
    const outcome = await workspace.invokeFunction(fn, eventText);
    setInvoking(false);
    if (outcome.ok) setResult({ fn, value: outcome.value });
    else if (isEventError(outcome.error)) setEventError(outcome.error);
    else if (outcome.error.code === 'port_in_use') setRunError(outcome.error);
    else setInvokeError(outcome.error);
    void refreshStatus();
  };

  const fire = async (scheduled: string) => {
    setFiring(scheduled);
    setInvokeError(null);
    const outcome = await workspace.fireSchedule(scheduled);
    setFiring(null);
    if (outcome.ok) setResult({ fn: scheduled, value: outcome.value });
    else setInvokeError(outcome.error);
    void refreshStatus();
  };

  const saveEvent = async () => {
    if (fn === null) return;
    const outcome = await workspace.saveEvent(fn, saveName, eventText);
    if (!outcome.ok) {
      if (isEventError(outcome.error)) setEventError(outcome.error);
      else setEventsError(outcome.error);
      return;
    }
    setEventsError(null);
    setSaved(outcome.value);
    setPicked(`saved:${saveName.trim()}`);
  };

  const deleteEvent = async () => {
    if (fn === null || !picked.startsWith('saved:')) return;
    const outcome = await workspace.deleteSavedEvent(fn, picked.slice('saved:'.length));
    if (!outcome.ok) {
      setEventsError(outcome.error);
      return;
    }
    setSaved(outcome.value);
    setPicked('');
  };

  // Ctrl+Enter invokes from anywhere in the view (the event editor handles its own).
  const onKeyDown = (event: React.KeyboardEvent) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter' && !event.defaultPrevented) {
      event.preventDefault();
      void invoke();
    }
  };

  const invokeRef = useRef(invoke);
  invokeRef.current = invoke;

  const running = status?.running ?? false;
  const mark = eventError ? jsonErrorMark(eventError) : null;

  if (!project?.manifest.manifest) {
    return (
      <section className="run-view run-unavailable" data-testid="run-view">
        <p className="muted" data-testid="run-no-manifest">
          {project?.hasManifest
            ? 'functory.toml has problems; fix them in the Functions area to run the project.'
            : 'This folder has no functory.toml yet; create one from the Functions area to run functions here.'}
        </p>
      </section>
    );
  }

  return (
    <section className="run-view" data-testid="run-view" aria-label="Run and logs" onKeyDown={onKeyDown}>
      <header className="run-bar">
        <h1 className="view-title">Run &amp; Logs</h1>
        <span className={`run-state ${running ? 'is-running' : 'is-stopped'}`} data-testid="run-status" data-running={running ? 'true' : 'false'}>
          <span className="run-state-dot" aria-hidden="true" />
          {cloudTarget
            ? capabilities === null
              ? `Target ${cloudTarget.name} on ${adapterLabel(cloudTarget.adapter)}`
              : capabilities.aliases
              ? `Target ${cloudTarget.name}: ${invokeLatest ? '$LATEST' : `the ${cloudTarget.name} stage`} on ${adapterLabel(cloudTarget.adapter)}`
              : `Target ${cloudTarget.name}: what is deployed on ${adapterLabel(cloudTarget.adapter)}`
            : runBusy === 'starting'
            ? 'Starting…'
            : runBusy === 'stopping'
              ? 'Stopping…'
              : running
                ? `Running at ${status?.gatewayUrl ?? ''}`
                : 'Stopped'}
        </span>
        <span className="toolbar-spacer" />
        {cloudTargets.length > 0 && (
          <label className="run-field">
            <span className="field-label">Run on</span>
            <select
              className="input"
              data-testid="run-target"
              value={where}
              title="The local runtime, or a cloud target of functory.toml (invoke its deployed function, tail its logs)"
              onChange={(e) => {
                setWhere(e.target.value);
                setResult(null);
                setInvokeError(null);
              }}
            >
              <option value="">Local runtime</option>
              {cloudTargets.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name} ({adapterLabel(t.adapter)})
                </option>
              ))}
            </select>
          </label>
        )}
        {cloudTarget ? (
          <>
            {capabilities?.aliases && (
              <label className="toggle" title="Invoke the latest deployed code instead of what the target's stage serves">
                <input type="checkbox" data-testid="run-latest" checked={latest} onChange={(e) => setLatest(e.target.checked)} /> $LATEST
              </label>
            )}
            {capabilities?.asyncInvoke && (
              <label className="toggle" title="Queue the event and return at once (an asynchronous invoke)">
                <input type="checkbox" data-testid="run-async" checked={asynchronous} onChange={(e) => setAsynchronous(e.target.checked)} /> Asynchronous
              </label>
            )}
          </>
        ) : (
          <>
            <label className="run-port" title="Start the local AWS services (a real emulator): when functory.toml declares resources or has topic, event or Kinesis triggers (Auto), always, or never (handlers then use this machine's AWS credentials)">
              <span className="field-label">AWS services</span>
              <select
                className="input"
                data-testid="run-aws-services"
                value={switches.awsServices === null ? 'auto' : switches.awsServices ? 'on' : 'off'}
                disabled={running}
                onChange={(e) =>
                  changeSwitches({ ...switches, awsServices: e.target.value === 'auto' ? null : e.target.value === 'on' })
                }
              >
                <option value="auto">Auto</option>
                <option value="on">On</option>
                <option value="off">Off</option>
              </select>
            </label>
            <label className="run-port checkbox-field" title="Each function acts with its declared permissions only: a call they do not grant fails with AWS's AccessDenied">
              <input
                type="checkbox"
                data-testid="run-enforce"
                checked={switches.enforcePermissions}
                disabled={running || switches.awsServices === false}
                onChange={(e) => changeSwitches({ ...switches, enforcePermissions: e.target.checked })}
              />
              <span className="small">Enforce permissions</span>
            </label>
            <label className="run-port">
              <span className="field-label">Port</span>
              <input
                className="input mono"
                data-testid="run-port"
                inputMode="numeric"
                value={port}
                disabled={running}
                title="The HTTP port on 127.0.0.1; 0 picks any free port"
                onChange={(e) => setPort(e.target.value)}
              />
            </label>
            {running ? (
              <button type="button" className="button" data-testid="run-stop" disabled={runBusy !== null} onClick={() => void stop()}>
                Stop
              </button>
            ) : (
              <button type="button" className="button button-primary" data-testid="run-start" disabled={runBusy !== null} onClick={() => void start(port)}>
                <Icon name="run" size={14} /> Start
              </button>
            )}
          </>
        )}
      </header>

      {runError && (
        <div className="run-error" role="alert" data-testid="run-error" data-code={runError.code}>
          <Icon name="error" size={14} />
          <span>{runError.message}</span>
          {runError.code === 'port_in_use' && (
            <button
              type="button"
              className="button button-small"
              data-testid="run-use-free-port"
              onClick={() => {
                setPort('0');
                void start('0');
              }}
            >
              Use any free port
            </button>
          )}
        </div>
      )}
      {status?.manifestChanged && (
        <div className="run-notice" role="status" data-testid="run-manifest-changed">
          <Icon name="info" size={14} />
          <span>functory.toml changed since the run started; the run still serves what it read then.</span>
          <button type="button" className="button button-small" data-testid="run-restart" onClick={() => void restart()}>
            Restart
          </button>
        </div>
      )}

      {cloudTarget && targetEndpoints !== null && (
        <div className="run-notice" role="status" data-testid="run-target-api">
          <Icon name="info" size={14} />
          {targetEndpoints.length > 0 ? (
            <>
              <span>
                {fn} answers HTTP on {cloudTarget.name} at:
              </span>
              <Endpoints endpoints={targetEndpoints} testId="run-target-endpoints" />
            </>
          ) : (
            <span data-testid="run-target-no-api">
              {fn}&apos;s HTTP API does not exist on {cloudTarget.name} yet: deploy it from Deploy to get its URL.
            </span>
          )}
        </div>
      )}
      {cloudTarget && fn !== null && targetEndpoints !== null && targetEndpoints.length > 0 && (
        <RouteCallPanel target={cloudTarget.name} fn={fn} routes={httpRoutes} />
      )}
      {!cloudTarget && <FidelityPanel fn={fn} manifestKey={project?.manifest} />}
      <div className="run-main">
        <div className="run-invoke-pane">
          <div className="run-invoke-toolbar">
            <label className="run-field">
              <span className="field-label">Function</span>
              <select className="input" data-testid="run-function" value={fn ?? ''} onChange={(e) => setFn(e.target.value)}>
                {functions.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <label className="run-field run-field-grow">
              <span className="field-label">Event</span>
              <select className="input" data-testid="run-event-picker" value={picked} onChange={(e) => pick(e.target.value)}>
                <option value="">Choose a sample or saved event…</option>
                <optgroup label="Samples for this function's triggers">
                  {samples.map((s, i) =>
                    s.kind === 'more' ? null : (
                      <option key={`${s.kind}-${i}`} value={`sample:${i}`} data-kind={s.kind}>
                        {KIND_LABELS[s.kind] ?? s.kind} — {s.name}
                      </option>
                    ),
                  )}
                </optgroup>
                {samples.some((s) => s.kind === 'more') && (
                  <optgroup label="Other event shapes (AWS, Google, Azure)">
                    {samples.map((s, i) =>
                      s.kind === 'more' ? (
                        <option key={`more-${i}`} value={`sample:${i}`} data-kind="more">
                          {s.name}
                        </option>
                      ) : null,
                    )}
                  </optgroup>
                )}
                {saved.length > 0 && (
                  <optgroup label="Saved">
                    {saved.map((s) => (
                      <option key={s.name} value={`saved:${s.name}`}>
                        {s.name}
                      </option>
                    ))}
                  </optgroup>
                )}
              </select>
            </label>
            <button
              type="button"
              className="button button-primary run-invoke"
              data-testid="run-invoke"
              disabled={fn === null || invoking}
              title="Invoke the function with this event (Ctrl+Enter)"
              onClick={() => void invoke()}
            >
              {invoking ? 'Invoking…' : 'Invoke'} <kbd className="kbd-hint">Ctrl+Enter</kbd>
            </button>
          </div>

          <div className="run-event-editor" data-testid="run-event-editor">
            <Suspense fallback={<div className="editor-loading muted">Loading editor…</div>}>
              <JsonEditor
                key={fn ?? ''}
                value={eventText}
                scheme={scheme}
                error={mark}
                onChange={setEventText}
                onSubmit={() => void invokeRef.current()}
              />
            </Suspense>
          </div>
          {eventError && (
            <p className="field-error" role="alert" data-testid="run-event-error">
              {eventError.message}
            </p>
          )}
          <form
            className="run-save-event"
            onSubmit={(e) => {
              e.preventDefault();
              void saveEvent();
            }}
          >
            <input
              className="input"
              data-testid="run-event-name"
              placeholder="Name this event to save it"
              aria-label="Saved event name"
              value={saveName}
              onChange={(e) => setSaveName(e.target.value)}
            />
            <button type="submit" className="button button-small" data-testid="run-event-save" disabled={saveName.trim() === ''}>
              <Icon name="save" size={13} /> Save event
            </button>
            <button
              type="button"
              className="button button-small button-ghost"
              data-testid="run-event-delete"
              disabled={!picked.startsWith('saved:')}
              title="Delete the saved event chosen above"
              onClick={() => void deleteEvent()}
            >
              <Icon name="trash" size={13} /> Delete
            </button>
          </form>
          {eventsError && (
            <p className="field-error" role="alert" data-testid="run-events-error">
              {eventsError.message}
            </p>
          )}

          {invokeError && (
            <p className="field-error" role="alert" data-testid="run-invoke-error" data-code={invokeError.code}>
              {invokeError.message}
            </p>
          )}
          {result && (
            <InvocationPanel
              fn={result.fn}
              result={result.value}
              target={result.target ?? null}
              onShowInLogs={(requestId) => setRequestFilter((f) => ({ requestId, nonce: (f?.nonce ?? 0) + 1 }))}
            />
          )}
        </div>

        <aside className="run-side" aria-label="What the run serves">
          {cloudTarget ? (
            <div className="run-panel" data-testid="run-cloud-panel" data-capabilities={capabilities ? 'known' : 'asking'}>
              <h2 className="section-title">Target {cloudTarget.name}</h2>
              <p className="muted small">
                Invokes go to the function deployed on {adapterLabel(cloudTarget.adapter)}
                {cloudTarget.region ? ` in ${cloudTarget.region}` : ''} — deploy from the Deploy area first. The event is sent as it is;
                the logs below are read from the cloud and arrive later than local ones.
              </p>
            </div>
          ) : (
            status && (
              <RunStatusPanels status={status} firing={firing} onFire={(name) => void fire(name)} onResetLocalData={() => setConfirmingReset(true)} />
            )
          )}
        </aside>
      </div>

      <LogPane
        key={where}
        functions={functions}
        requestFilter={requestFilter}
        target={cloudTarget?.name ?? null}
        defaultFunction={fn}
      />
      {confirmingReset && (
        <ConfirmDialog
          title="Reset local data?"
          message="The run stops, and the local AWS services forget every object, message and item of earlier runs. The next run starts from the resources functory.toml declares. Declared buckets' folders are emptied with them; logs, saved events and other bucket folders stay."
          actions={[{ label: 'Reset local data', testId: 'run-aws-reset-confirm', kind: 'danger', onSelect: () => void resetLocalData() }]}
          onCancel={() => setConfirmingReset(false)}
        />
      )}
    </section>
  );
}
