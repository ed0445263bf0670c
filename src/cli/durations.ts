/**
 * Durations on the command line (`30d`, `12h`, `90m`, `3600s`, or plain seconds) and in
 * messages (`30 days`, `10 days, 10 hours`): at most two units, the answer's seconds
 * rounded to the minute first so a second of request latency does not show as "29 days, 23 hours".
 */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds, or undefined when the text is not a duration. */
export function parseDurationSec(text: string): number | undefined {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes <= 0) return plural(Math.max(0, Math.round(seconds)), 'second');
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts =
    days > 0
      ? [plural(days, 'day'), hours > 0 ? plural(hours, 'hour') : '']
      : hours > 0
        ? [plural(hours, 'hour'), mins > 0 ? plural(mins, 'minute') : '']
        : [plural(mins, 'minute')];
  return parts.filter(Boolean).join(', ');
}

/** `2026-12-06 13:05` in the local time zone, and how far from now. */
export function formatInstant(iso: string, now: number = Date.now()): string {
  const at = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const local = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const delta = (at.getTime() - now) / 1000;
  return delta >= 0 ? `${local} (in ${formatDuration(delta)})` : `${local} (${formatDuration(-delta)} ago)`;
}
