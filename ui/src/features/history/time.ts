// Times in the timeline: "3 days ago" next to the date and time they stand for.

const UNITS: [limit: number, seconds: number, unit: Intl.RelativeTimeFormatUnit][] = [
  [60 * 60, 60, 'minute'],
  [24 * 60 * 60, 60 * 60, 'hour'],
  [7 * 24 * 60 * 60, 24 * 60 * 60, 'day'],
  [30 * 24 * 60 * 60, 7 * 24 * 60 * 60, 'week'],
  [365 * 24 * 60 * 60, 30 * 24 * 60 * 60, 'month'],
  [Infinity, 365 * 24 * 60 * 60, 'year'],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** `seconds` since the Unix epoch, relative to now ("just now", "yesterday", "3 days ago"). */
export function relativeTime(seconds: number, nowMs = Date.now()): string {
  const delta = seconds - nowMs / 1000;
  if (Math.abs(delta) < 45) return 'just now';
  for (const [limit, size, unit] of UNITS) {
    if (Math.abs(delta) < limit) return relative.format(Math.round(delta / size), unit);
  }
  return absoluteTime(seconds);
}

export function absoluteTime(seconds: number): string {
  return absolute.format(new Date(seconds * 1000));
}

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
