import type { SurveillanceLevel } from '@proctoflex/core';
import { behaviours, rulesCatching, type Behaviour, type Episode } from './sequences.ts';
import type { SequenceResult } from './evaluate.ts';

/**
 * After an episode ends, its alert may still open on the frames of its last seconds (rules run on
 * capture time, a frame every 2 s): an alert this soon after the end still belongs to it, and the
 * seconds after an episode are not counted as honest time.
 */
export const afterEpisodeSeconds = 10;

export interface BehaviourFigures {
  readonly episodes: number;
  readonly caught: number;
  /** caught / episodes; null when the level has every rule that catches it switched off. */
  readonly recall: number | null;
  /** Alerts of the behaviour's rules that fell in one of its episodes, over all alerts of those rules. */
  readonly precision: number | null;
  /** Seconds from the episode's start to its first alert: median and worst of the caught ones. */
  readonly secondsToAlert: { readonly median: number; readonly max: number } | null;
  /** Episodes missed, by sequence id and variant: where to look. */
  readonly missed: readonly string[];
}

export interface LevelFigures {
  readonly behaviours: Record<Behaviour, BehaviourFigures>;
  readonly honestHours: number;
  /** Alerts opened in honest time, by rule. */
  readonly falseAlerts: Record<string, number>;
  readonly falseAlertsPerHour: number;
  /** Where the false alerts were: sequence id, rule and second. */
  readonly falseAlertsAt: readonly string[];
}

export interface IdentityFigures {
  readonly threshold: number;
  readonly genuineComparisons: number;
  readonly impostorComparisons: number;
  /** Comparisons of the enrolled person that scored below the threshold. */
  readonly falseMismatchRate: number;
  /** Comparisons of someone else that scored at or above it. */
  readonly falseMatchRate: number;
  readonly lowestGenuine: number;
  readonly highestImpostor: number;
}

/** Figures over the sequences of one skin-tone group's sitters (Monk scale, judged by eye), at STANDARD. */
export interface ToneGroupFigures {
  readonly group: string;
  readonly sitters: readonly string[];
  readonly episodes: number;
  readonly caught: number;
  readonly honestHours: number;
  readonly falseAlerts: number;
  readonly genuineComparisons: number;
  readonly falseMismatchRate: number | null;
  readonly impostorComparisons: number;
  readonly falseMatchRate: number | null;
}

export interface Figures {
  readonly sequences: number;
  readonly frames: number;
  readonly levels: Record<SurveillanceLevel, LevelFigures>;
  readonly identity: IdentityFigures;
  readonly byToneGroup: readonly ToneGroupFigures[];
  readonly deadLetters: readonly string[];
}

const inEpisode = (episode: Episode, second: number) =>
  second >= episode.from && second <= episode.to + afterEpisodeSeconds;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** The figures of one surveillance level; `rulesOn` says which rules the level has at all. */
function levelFigures(
  results: readonly SequenceResult[],
  level: SurveillanceLevel,
  rulesOn: ReadonlySet<string>,
): LevelFigures {
  const perBehaviour = {} as Record<Behaviour, BehaviourFigures>;
  for (const behaviour of behaviours) {
    const rules = rulesCatching[behaviour].filter((rule) => rulesOn.has(rule));
    let episodes = 0;
    const delays: number[] = [];
    const missed: string[] = [];
    let inside = 0;
    let all = 0;
    for (const { sequence, alerts } of results) {
      const own = alerts[level].filter((alert) => rules.includes(alert.rule));
      all += own.length;
      inside += own.filter((alert) =>
        sequence.episodes.some(
          (episode) => rulesCatching[episode.behaviour].includes(alert.rule) && inEpisode(episode, alert.second),
        ),
      ).length;
      for (const episode of sequence.episodes.filter((candidate) => candidate.behaviour === behaviour)) {
        episodes += 1;
        const first = own.find((alert) => inEpisode(episode, alert.second));
        if (first) delays.push(first.second - episode.from);
        else missed.push(`${sequence.id} (${episode.variant})`);
      }
    }
    perBehaviour[behaviour] = {
      episodes,
      caught: delays.length,
      recall: rules.length === 0 || episodes === 0 ? null : delays.length / episodes,
      precision: rules.length === 0 || all === 0 ? null : inside / all,
      secondsToAlert: delays.length === 0 ? null : { median: median(delays), max: Math.max(...delays) },
      missed: rules.length === 0 ? [] : missed,
    };
  }
  let honestSeconds = 0;
  const falseAlerts: Record<string, number> = {};
  const falseAlertsAt: string[] = [];
  for (const { sequence, alerts } of results) {
    const misconductSeconds = sequence.episodes.reduce(
      (sum, episode) => sum + Math.min(sequence.seconds, episode.to + afterEpisodeSeconds) - episode.from,
      0,
    );
    honestSeconds += sequence.seconds - misconductSeconds;
    for (const alert of alerts[level]) {
      if (sequence.episodes.some((episode) => inEpisode(episode, alert.second))) continue;
      falseAlerts[alert.rule] = (falseAlerts[alert.rule] ?? 0) + 1;
      falseAlertsAt.push(`${sequence.id}: ${alert.rule} at ${alert.second} s`);
    }
  }
  const honestHours = honestSeconds / 3600;
  return {
    behaviours: perBehaviour,
    honestHours,
    falseAlerts,
    falseAlertsPerHour: falseAlertsAt.length / honestHours,
    falseAlertsAt,
  };
}

function identityFigures(results: readonly SequenceResult[], threshold: number): IdentityFigures {
  const comparisons = results.flatMap((result) => result.comparisons);
  const genuine = comparisons.filter((comparison) => comparison.samePerson).map(({ similarity }) => similarity);
  const impostor = comparisons.filter((comparison) => !comparison.samePerson).map(({ similarity }) => similarity);
  return {
    threshold,
    genuineComparisons: genuine.length,
    impostorComparisons: impostor.length,
    falseMismatchRate: genuine.filter((similarity) => similarity < threshold).length / genuine.length,
    falseMatchRate: impostor.filter((similarity) => similarity >= threshold).length / impostor.length,
    lowestGenuine: Math.min(...genuine),
    highestImpostor: Math.max(...impostor),
  };
}

export function figuresOf(
  results: readonly SequenceResult[],
  rulesOn: Record<SurveillanceLevel, ReadonlySet<string>>,
  identityThreshold: number,
): Figures {
  return {
    sequences: results.length,
    frames: results.reduce((sum, result) => sum + result.frames, 0),
    levels: {
      LOW: levelFigures(results, 'LOW', rulesOn.LOW),
      STANDARD: levelFigures(results, 'STANDARD', rulesOn.STANDARD),
      STRICT: levelFigures(results, 'STRICT', rulesOn.STRICT),
    },
    identity: identityFigures(results, identityThreshold),
    byToneGroup: toneGroups.map((group) =>
      toneGroupFigures(
        group.name,
        results.filter(({ sequence }) => sequence.sitter && group.tones.includes(sequence.sitter.monkSkinTone)),
        rulesOn.STANDARD,
        identityThreshold,
      ),
    ),
    deadLetters: results.flatMap((result) => result.deadLetters),
  };
}

/** Monk skin-tone scale, in three groups. */
const toneGroups = [
  { name: 'Monk 1-3 (light)', tones: [1, 2, 3] },
  { name: 'Monk 4-6 (medium)', tones: [4, 5, 6] },
  { name: 'Monk 7-10 (dark)', tones: [7, 8, 9, 10] },
];

function toneGroupFigures(
  group: string,
  results: readonly SequenceResult[],
  rulesOn: ReadonlySet<string>,
  identityThreshold: number,
): ToneGroupFigures {
  const standard = levelFigures(results, 'STANDARD', rulesOn);
  const counted = behaviours.filter((behaviour) => standard.behaviours[behaviour].recall !== null);
  const comparisons = results.flatMap((result) => result.comparisons);
  const genuine = comparisons.filter((comparison) => comparison.samePerson);
  const impostor = comparisons.filter((comparison) => !comparison.samePerson);
  const rate = (values: readonly { similarity: number }[], wrong: (similarity: number) => boolean) =>
    values.length === 0 ? null : values.filter(({ similarity }) => wrong(similarity)).length / values.length;
  return {
    group,
    sitters: [...new Set(results.map(({ sequence }) => sequence.sitter!.name))],
    episodes: counted.reduce((sum, behaviour) => sum + standard.behaviours[behaviour].episodes, 0),
    caught: counted.reduce((sum, behaviour) => sum + standard.behaviours[behaviour].caught, 0),
    honestHours: standard.honestHours,
    falseAlerts: standard.falseAlertsAt.length,
    genuineComparisons: genuine.length,
    falseMismatchRate: rate(genuine, (similarity) => similarity < identityThreshold),
    impostorComparisons: impostor.length,
    falseMatchRate: rate(impostor, (similarity) => similarity >= identityThreshold),
  };
}
