import { invoke } from '@tauri-apps/api/core';

import type { FileContent } from '../bindings/FileContent';
import type { FunctionTemplate } from '../bindings/FunctionTemplate';
import type { JournalEntry } from '../bindings/JournalEntry';
import type { ManifestEdit } from '../bindings/ManifestEdit';
import type { ProjectView } from '../bindings/ProjectView';
import type { Startup } from '../bindings/Startup';
import { toApiError, type Platform } from './index';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

export function createTauriPlatform(): Platform {
  return {
    kind: 'tauri',
    startup: () => call<Startup>('startup'),
    openProject: (path) => call<ProjectView>('open_project', { path }),
    openSampleProject: () => call<ProjectView>('open_sample_project'),
    createProject: (path: string, name: string, template: FunctionTemplate | null) =>
      call<ProjectView>('create_project', { path, name, template }),
    initProject: (name) => call<ProjectView>('init_project', { name }),
    reloadProject: () => call<ProjectView>('reload_project'),
    readFile: (path) => call<FileContent>('read_file', { path }),
    writeFile: (path, text) => call<ProjectView>('write_file', { path, text }),
    applyManifestEdit: (edit: ManifestEdit) => call<ProjectView>('apply_manifest_edit', { edit }),
    createFunction: (name, template) => call<ProjectView>('create_function', { name, template }),
    journalSave: async (entries: JournalEntry[]) => {
      await call<null>('journal_save', { entries });
    },
    journalClear: async () => {
      await call<null>('journal_clear');
    },
    pickFolder: () => call<string | null>('pick_folder'),
    uiReady: async () => {
      await call<null>('ui_ready');
    },
  };
}
