// Keeps the backend's recovery journal equal to the set of unsaved buffers: shortly after each
// change (debounced), and at once after a save or a close. Writes never overlap, and the latest
// state is what gets written, so a slow write cannot bring back an old buffer.

import type { ApiError } from '../bindings/ApiError';
import type { JournalEntry } from '../bindings/JournalEntry';
import { toApiError } from '../platform';

export const JOURNAL_DEBOUNCE_MS = 200;

export class JournalWriter {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing = false;
  private again = false;
  /** What the journal holds as far as we know; it starts empty or with what startup reported. */
  private lastWritten = '[]';

  constructor(
    private readonly save: (entries: JournalEntry[]) => Promise<void>,
    private readonly entries: () => JournalEntry[],
    private readonly onError: (error: ApiError) => void,
  ) {}

  schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, JOURNAL_DEBOUNCE_MS);
  }

  writeNow(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    void this.write();
  }

  private async write(): Promise<void> {
    if (this.writing) {
      this.again = true;
      return;
    }
    this.writing = true;
    try {
      do {
        this.again = false;
        const entries = this.entries();
        const signature = JSON.stringify(entries);
        if (signature === this.lastWritten) continue;
        try {
          await this.save(entries);
          this.lastWritten = signature;
        } catch (error) {
          this.onError(toApiError(error));
        }
      } while (this.again);
    } finally {
      this.writing = false;
    }
  }
}
