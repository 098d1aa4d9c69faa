import { useState } from 'react';

import { copyText } from '../../ui/copy';
import { Icon } from '../../ui/Icon';

/** "GET https://…/users/{id}" as the backend lists it: the method, and the URL to copy. */
function split(endpoint: string): { method: string | null; url: string } {
  const space = endpoint.indexOf(' ');
  return space > 0 && !endpoint.slice(0, space).includes('/')
    ? { method: endpoint.slice(0, space), url: endpoint.slice(space + 1) }
    : { method: null, url: endpoint };
}

/** Where a function answers HTTP on its target: its routes on the project's HTTP API, each with a copy button. */
export function Endpoints({ endpoints, testId }: { endpoints: string[]; testId: string }) {
  const [copied, setCopied] = useState<number | null>(null);
  const copy = async (i: number, url: string) => {
    setCopied((await copyText(url)) ? i : null);
  };
  return (
    <ul className="plain-list deploy-endpoints" data-testid={testId} aria-label="HTTP API URLs">
      {endpoints.map((endpoint, i) => {
        const { method, url } = split(endpoint);
        return (
          <li key={endpoint} className="deploy-endpoint" data-testid="deploy-endpoint" data-url={url}>
            {method && <span className="kind-badge">{method}</span>}
            <span className="mono deploy-endpoint-url">{url}</span>
            <button
              type="button"
              className="icon-button"
              data-testid={`${testId}-copy-${i}`}
              aria-label={`Copy ${url}`}
              title="Copy the URL"
              onClick={() => void copy(i, url)}
            >
              <Icon name={copied === i ? 'checkpoint' : 'file'} size={13} />
            </button>
            {copied === i && (
              <span className="small success-text" role="status" data-testid={`${testId}-copied`}>
                Copied
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
