import type { ReactNode } from 'react';

import type { Manifest } from '../../bindings/Manifest';
import { useAppState, useWorkspace } from '../../app/context';
import { MANIFEST_PATH, type Area } from '../../app/state';
import { Icon } from '../../ui/Icon';
import { AREA_INFO } from '../shell/areas';

type BuiltLater = Exclude<Area, 'functions' | 'history' | 'accounts' | 'run' | 'security' | 'triggers'>;

const COPY: Record<BuiltLater, { title: string; what: string; now: string }> = {
  deploy: {
    title: 'Deploy — coming soon',
    what: 'Ships functions to AWS Lambda, Azure Functions or Google Cloud Functions: incremental and versioned deploys, with a rollback to any earlier deploy.',
    now: 'Deploys go to the targets declared in functory.toml. Your project declares:',
  },
};

function Summary({ area, manifest }: { area: BuiltLater; manifest: Manifest }): ReactNode {
  switch (area) {
    case 'deploy':
      return (
        <ul className="summary-list">
          {manifest.targets.length === 0 && <li className="muted">No targets yet.</li>}
          {manifest.targets.map((t) => (
            <li key={t.name}>
              <strong>{t.name}</strong>
              <span className="muted">
                {' '}
                — {t.adapter}
                {t.region ? `, ${t.region}` : ''}
                {t.profile ? `, profile ${t.profile}` : ''}
              </span>
            </li>
          ))}
        </ul>
      );
    default:
      return null;
  }
}

/** What an area not built yet will do, and what the user can do right now instead. */
export function AreaEmptyState({ area }: { area: BuiltLater }) {
  const workspace = useWorkspace();
  const { project } = useAppState();
  const copy = COPY[area];
  const info = AREA_INFO.find((a) => a.id === area)!;
  const manifest = project?.manifest.manifest ?? null;

  return (
    <section className="empty-state" data-testid={`empty-${area}`} aria-labelledby={`empty-${area}-title`}>
      <div className="empty-state-icon">
        <Icon name={info.icon} size={28} />
      </div>
      <h1 id={`empty-${area}-title`} className="empty-state-title">
        {copy.title}
      </h1>
      <p className="empty-state-what">{copy.what}</p>
      <div className="empty-state-now">
        <h2 className="section-title">What you can do now</h2>
        <p>{copy.now}</p>
        {manifest ? (
          <Summary area={area} manifest={manifest} />
        ) : project?.hasManifest ? (
          <p className="muted">functory.toml has problems; fix them in the Functions area to see a summary here.</p>
        ) : (
          <p className="muted">This folder has no functory.toml yet; create one from the Functions area.</p>
        )}
        <div className="empty-state-actions">
          {project?.hasManifest && (
            <button
              type="button"
              className="button"
              data-testid={`empty-${area}-open-manifest`}
              onClick={() => void workspace.openFile(MANIFEST_PATH)}
            >
              <Icon name="file" size={14} /> Open functory.toml
            </button>
          )}
          <button type="button" className="button" data-testid={`empty-${area}-go-functions`} onClick={() => workspace.setArea('functions')}>
            <Icon name="functions" size={14} /> Go to Functions
          </button>
        </div>
      </div>
    </section>
  );
}
