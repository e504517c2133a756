/** How long ago (or for how long), short: 45 s, 12 min, 3 h. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function time(iso: string | number): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export const severityOrder: Record<string, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };

/** A rule name as words: no_face → No face. */
export function ruleName(rule: string): string {
  const words = rule.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
