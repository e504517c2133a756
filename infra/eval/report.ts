import type { SurveillanceLevel } from '@proctoflex/core';
import { behaviours } from './sequences.ts';
import type { Figures } from './metrics.ts';

const share = (value: number | null) => (value === null ? 'off' : value.toFixed(2));
/** A rate over `count` cases: "0.01 of 639"; "-" when there were none. */
const rateOf = (value: number | null, count: number) => (value === null ? '-' : `${value.toFixed(2)} of ${count}`);

/** The figures as Markdown tables: per behaviour and level, honest time, identity. */
export function reportOf(figures: Figures, levels: readonly SurveillanceLevel[]): string {
  const lines = [
    `${figures.sequences} labelled sequences, ${figures.frames} webcam frames.`,
    '',
    `| behaviour | episodes | ${levels.map((level) => `${level} recall / precision / s to alert (median, max)`).join(' | ')} |`,
    `| --- | --- | ${levels.map(() => '---').join(' | ')} |`,
  ];
  for (const behaviour of behaviours) {
    const cells = levels.map((level) => {
      const { recall, precision, secondsToAlert } = figures.levels[level].behaviours[behaviour];
      if (recall === null) return 'off';
      const delay = secondsToAlert ? `${secondsToAlert.median} s, ${secondsToAlert.max} s` : '-';
      return `${share(recall)} / ${share(precision)} / ${delay}`;
    });
    lines.push(`| ${behaviour} | ${figures.levels.STANDARD.behaviours[behaviour].episodes} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    `| honest candidates | ${levels.join(' | ')} |`,
    `| --- | ${levels.map(() => '---').join(' | ')} |`,
    `| hours | ${levels.map((level) => figures.levels[level].honestHours.toFixed(2)).join(' | ')} |`,
    `| false alerts per hour | ${levels.map((level) => figures.levels[level].falseAlertsPerHour.toFixed(2)).join(' | ')} |`,
    `| false alerts, by rule | ${levels
      .map(
        (level) =>
          Object.entries(figures.levels[level].falseAlerts)
            .map(([rule, count]) => `${rule} ${count}`)
            .join(', ') || 'none',
      )
      .join(' | ')} |`,
  );
  const { identity } = figures;
  lines.push(
    '',
    `Identity at STANDARD, threshold ${identity.threshold}: ${identity.genuineComparisons} comparisons of the enrolled person, ` +
      `false mismatch rate ${share(identity.falseMismatchRate)} (lowest similarity ${identity.lowestGenuine.toFixed(3)}); ` +
      `${identity.impostorComparisons} of an impostor, false match rate ${share(identity.falseMatchRate)} ` +
      `(highest similarity ${identity.highestImpostor.toFixed(3)}).`,
  );
  lines.push(
    '',
    '| skin tone (Monk, by eye) | sitters | episodes caught (STANDARD) | false alerts / honest hours | identity: false mismatches | false matches |',
    '| --- | --- | --- | --- | --- | --- |',
    ...figures.byToneGroup.map(
      (group) =>
        `| ${group.group} | ${group.sitters.join(', ') || 'none'} | ${group.caught} of ${group.episodes} | ` +
        `${group.falseAlerts} / ${group.honestHours.toFixed(2)} | ${rateOf(group.falseMismatchRate, group.genuineComparisons)} | ` +
        `${rateOf(group.falseMatchRate, group.impostorComparisons)} |`,
    ),
  );
  for (const level of levels) {
    const missed = behaviours.flatMap((behaviour) =>
      figures.levels[level].behaviours[behaviour].missed.map((where) => `${behaviour}: ${where}`),
    );
    if (missed.length > 0) lines.push('', `Missed at ${level}:`, ...missed.map((where) => `- ${where}`));
    const falseAt = figures.levels[level].falseAlertsAt;
    if (falseAt.length > 0) lines.push('', `False alerts at ${level}:`, ...falseAt.map((where) => `- ${where}`));
  }
  if (figures.deadLetters.length > 0)
    lines.push('', 'Refused frames:', ...figures.deadLetters.map((letter) => `- ${letter}`));
  return lines.join('\n');
}
