// The browser's transport: the loopback test bridge (crates/test-bridge) serves the page and,
// on the same origin, the same api commands the desktop app serves, from a real Rust session.
// A streaming command's channel is opened first and long-polled until it is closed.
//
// Each command and answer is logged to the console (`[ipc] name {args}`, secret fields as their
// length only), which the browser tests read to see what the UI asked for.
import { toApiError, type Transport } from './index';

interface Answer {
  ok?: unknown;
  error?: unknown;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw toApiError(`the test bridge answered ${response.status}: ${await response.text()}`);
  return response.json();
}

function unwrap(command: string, answer: Answer): unknown {
  if ('error' in answer && answer.error !== undefined) {
    console.info(`[ipc-error] ${command} ${JSON.stringify(answer.error)}`);
    throw toApiError(answer.error);
  }
  console.info(`[ipc-response] ${command} ${JSON.stringify(answer.ok ?? null)}`);
  return answer.ok ?? null;
}

/** The write-only fields of `AccountInput`: logged as their length, never their value. */
const SECRET_FIELDS = new Set(['secretAccessKey', 'sessionToken', 'clientSecret', 'keyJson']);

/** `args` as JSON for the log, each secret field replaced by `<secret, N chars>`. */
function loggable(args: Record<string, unknown>): string {
  return JSON.stringify(args, (key, value: unknown) =>
    SECRET_FIELDS.has(key) && typeof value === 'string' && value !== '' ? `<secret, ${value.length} chars>` : value,
  );
}

export function createBridgeTransport(origin: string): Transport {
  const base = `${origin}/_bridge`;
  const call = async (command: string, args: Record<string, unknown>, channel?: number): Promise<unknown> => {
    console.info(`[ipc] ${command} ${loggable(args)}`);
    return unwrap(command, (await post(`${base}/call`, { command, args, channel })) as Answer);
  };
  // Closing a channel uses its own URL: Chromium holds a request to a URL while another request
  // to the same URL (the channel's long poll) is in flight, so a DELETE of the poll's URL waited
  // for the poll to time out.
  const closeChannel = (id: number) => fetch(`${base}/channels/${id}?close`, { method: 'DELETE' });
  return {
    kind: 'bridge',
    call: (command, args) => call(command, args),
    stream: async (command, args, onMessage) => {
      const { id } = (await post(`${base}/channels`, {})) as { id: number };
      let open = true;
      const poll = async (wait: boolean): Promise<boolean> => {
        const response = await fetch(`${base}/channels/${id}${wait ? '' : '?wait=0'}`);
        const { messages, open: stillOpen } = (await response.json()) as { messages: unknown[]; open: boolean };
        for (const message of messages) if (open) onMessage(message);
        return stillOpen;
      };
      const loop = (async () => {
        try {
          while (open && (await poll(true)));
        } catch {
          // The bridge went away: nothing more will come.
        }
      })();
      let result: unknown;
      try {
        result = await call(command, args, id);
      } catch (error) {
        open = false;
        await closeChannel(id);
        throw error;
      }
      return {
        result,
        close: async () => {
          if (!open) return;
          await poll(false).catch(() => false);
          open = false;
          await closeChannel(id).catch(() => undefined);
          await loop;
        },
      };
    },
    // The host's own two commands (not api commands) are logged like the others.
    pickFolder: async () => {
      console.info('[ipc] pick_folder {}');
      return unwrap('pick_folder', (await post(`${base}/host/pick_folder`, {})) as Answer) as string | null;
    },
    uiReady: async () => {
      console.info('[ipc] ui_ready {}');
      unwrap('ui_ready', (await post(`${base}/host/ui_ready`, {})) as Answer);
    },
  };
}
