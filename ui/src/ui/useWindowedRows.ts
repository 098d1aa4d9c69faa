// Windowed rendering for long lists of rows of one height: only the rows in (or near) the
// scroll container's view are in the page, between two spacers that keep the scroll height
// true. A project of hundreds of functions lists them as fast as a project of two.

import { useCallback, useEffect, useLayoutEffect, useState, type RefObject } from 'react';

/** Lists up to this long are rendered whole: nothing to gain, and nothing to scroll into being. */
export const WINDOW_FROM = 80;
/** Rows rendered beyond each edge of the view, so a quick scroll does not show a blank. */
const OVERSCAN = 12;

export interface RowWindow {
  /** First row rendered. */
  start: number;
  /** One past the last row rendered. */
  end: number;
  /** Height of the spacer before the first rendered row (px). */
  before: number;
  /** Height of the spacer after the last rendered row (px). */
  after: number;
  /** Scrolls the container so row `index` is in view (rendering it). */
  reveal: (index: number) => void;
}

/**
 * Which of `count` rows of `rowHeight` px to render inside the scrolling element `container`;
 * `offset` is how far below the container's top the first row sits (a header above the list).
 */
export function useWindowedRows(
  count: number,
  rowHeight: number,
  container: RefObject<HTMLElement | null>,
  offset = 0,
): RowWindow {
  const [view, setView] = useState({ top: 0, height: 800 });

  useLayoutEffect(() => {
    const element = container.current;
    if (!element || count <= WINDOW_FROM) return;
    const measure = () => setView({ top: element.scrollTop, height: element.clientHeight || 800 });
    measure();
    element.addEventListener('scroll', measure, { passive: true });
    const resized = new ResizeObserver(measure);
    resized.observe(element);
    return () => {
      element.removeEventListener('scroll', measure);
      resized.disconnect();
    };
  }, [container, count]);

  const reveal = useCallback(
    (index: number) => {
      const element = container.current;
      if (!element) return;
      const top = offset + index * rowHeight;
      if (top < element.scrollTop) element.scrollTop = top;
      else if (top + rowHeight > element.scrollTop + element.clientHeight) element.scrollTop = top + rowHeight - element.clientHeight;
      setView({ top: element.scrollTop, height: element.clientHeight || 800 });
    },
    [container, offset, rowHeight],
  );

  // A list that shrinks below the scroll position scrolls back to what remains.
  useEffect(() => {
    const element = container.current;
    if (element && count > WINDOW_FROM && view.top > count * rowHeight) reveal(count - 1);
  }, [container, count, rowHeight, view.top, reveal]);

  if (count <= WINDOW_FROM) return { start: 0, end: count, before: 0, after: 0, reveal };
  const first = Math.floor((view.top - offset) / rowHeight) - OVERSCAN;
  const start = Math.max(0, Math.min(count, first));
  const end = Math.max(start, Math.min(count, Math.ceil((view.top - offset + view.height) / rowHeight) + OVERSCAN));
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight, reveal };
}
