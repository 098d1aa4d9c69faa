// The desktop app's transport: every api command goes through the Tauri command `call` (or
// `call_streaming`, with a Channel for its messages); the folder dialog and the ready notice
// are the window's own commands.
import { Channel, invoke } from '@tauri-apps/api/core';

import { toApiError, type Transport } from './index';

async function invokeCommand<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

export function createTauriTransport(): Transport {
  return {
    kind: 'tauri',
    call: (command, args) => invokeCommand('call', { command, args }),
    stream: async (command, args, onMessage) => {
      let open = true;
      const channel = new Channel<unknown>();
      channel.onmessage = (message) => {
        if (open) onMessage(message);
      };
      const result = await invokeCommand('call_streaming', { command, args, channel });
      return {
        result,
        close: async () => {
          open = false;
        },
      };
    },
    pickFolder: () => invokeCommand<string | null>('pick_folder'),
    uiReady: async () => {
      await invokeCommand<null>('ui_ready');
    },
  };
}
