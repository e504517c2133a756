// The risk rules, read by the risk stage (which applies them) and the API (which shows an exam's
// organiser the defaults their overrides change).
import { policyInForce } from '../policies.ts';
import type { AlertSeverity, Detector, ExamPolicy, SurveillanceLevel } from './records.ts';

/** When a rule's signal counts as misconduct, judged on the detector's observations in capture order. */
export type Trigger =
  /** Present on every observation for at least `seconds` (first to latest present capture time). */
  | { readonly kind: 'persists'; readonly seconds: number }
  /** Present in at least `count` of the last `of` observations. */
  | { readonly kind: 'ofLast'; readonly count: number; readonly of: number }
  /** Present in `count` consecutive observations. */
  | { readonly kind: 'consecutive'; readonly count: number }
  /** The present observations' `measurement` adds up to `seconds` within the last `windowSeconds`. */
  | {
      readonly kind: 'amountWithin';
      readonly measurement: string;
      readonly seconds: number;
      readonly windowSeconds: number;
    }
  /** Present once. */
  | { readonly kind: 'once' };

export interface Rule {
  readonly name: string;
  readonly detector: Detector;
  /** The DetectorScore signal the rule reads. */
  readonly signal: string;
  /** Detector score (0-1) from which an observation counts as present. */
  readonly threshold: number;
  readonly trigger: Trigger;
  /** Points of the 0-100 risk score the rule adds while its alert is open (then decaying). */
  readonly weight: number;
  readonly severity: AlertSeverity;
  /** How long the signal must stay clear before the alert closes. */
  readonly holdSeconds: number;
  /** For a proctor: what the alert shows, e.g. "No face visible". */
  readonly phrase: string;
  /** What limits the rule, for whoever sets an exam's policy; absent when nothing does. */
  readonly caveat?: string;
}

export type RuleDefaults = Omit<Rule, 'trigger'> & { readonly triggers: Record<SurveillanceLevel, Trigger | null> };

const persists = (seconds: number): Trigger => ({ kind: 'persists', seconds });
const ofLast = (count: number, of: number): Trigger => ({ kind: 'ofLast', count, of });
const consecutive = (count: number): Trigger => ({ kind: 'consecutive', count });
const speechWithin = (seconds: number): Trigger => ({
  kind: 'amountWithin',
  measurement: 'speechSeconds',
  seconds,
  windowSeconds: 30,
});
const once: Trigger = { kind: 'once' };
const everyLevel = (trigger: Trigger) => ({ LOW: trigger, STANDARD: trigger, STRICT: trigger });
const common = { threshold: 0.5, holdSeconds: 4 };
/**
 * Phones and books: the object detector's own operating point (YOLOv5's 0.25). A phone or a book
 * in a webcam frame is small, often held, seen edge-on: 0.5 misses most (npm run eval:detection).
 */
const smallObject = { ...common, threshold: 0.25 };

/**
 * Every rule with its defaults per surveillance level (null: off at that level). An exam's
 * ruleOverrides change them (ExamPolicy): enabled, weight, threshold, persistSeconds.
 */
export const ruleDefaults: readonly RuleDefaults[] = [
  {
    ...common,
    name: 'no_face',
    detector: 'FACE',
    signal: 'no_face',
    weight: 30,
    severity: 'HIGH',
    phrase: 'No face visible',
    triggers: { LOW: persists(20), STANDARD: persists(10), STRICT: persists(5) },
  },
  {
    ...common,
    name: 'looking_away',
    detector: 'FACE',
    signal: 'looking_away',
    weight: 15,
    severity: 'MEDIUM',
    phrase: 'Looking away from the screen',
    triggers: { LOW: null, STANDARD: persists(8), STRICT: persists(4) },
  },
  {
    ...common,
    name: 'several_faces',
    detector: 'FACE',
    signal: 'several_faces',
    weight: 30,
    severity: 'HIGH',
    phrase: 'Several faces in view',
    triggers: { LOW: ofLast(3, 3), STANDARD: ofLast(2, 3), STRICT: ofLast(1, 1) },
  },
  {
    ...common,
    name: 'identity_mismatch',
    detector: 'FACE',
    signal: 'identity_mismatch',
    weight: 50,
    severity: 'CRITICAL',
    phrase: 'The face is not the enrolled candidate',
    triggers: { LOW: consecutive(5), STANDARD: consecutive(3), STRICT: consecutive(2) },
  },
  {
    ...smallObject,
    name: 'phone_visible',
    detector: 'OBJECT',
    signal: 'phone_visible',
    weight: 35,
    severity: 'HIGH',
    phrase: 'Phone visible',
    triggers: { LOW: ofLast(3, 3), STANDARD: ofLast(2, 3), STRICT: ofLast(1, 1) },
  },
  {
    ...common,
    name: 'another_person',
    detector: 'OBJECT',
    signal: 'another_person',
    weight: 30,
    severity: 'HIGH',
    phrase: 'Another person in view',
    triggers: { LOW: ofLast(3, 3), STANDARD: ofLast(2, 3), STRICT: ofLast(1, 1) },
  },
  {
    ...smallObject,
    name: 'book_visible',
    detector: 'OBJECT',
    signal: 'book_visible',
    weight: 10,
    severity: 'LOW',
    phrase: 'Book visible',
    triggers: { LOW: null, STANDARD: ofLast(2, 3), STRICT: ofLast(1, 1) },
  },
  {
    ...common,
    name: 'laptop_visible',
    detector: 'OBJECT',
    signal: 'laptop_visible',
    weight: 20,
    severity: 'MEDIUM',
    phrase: 'Laptop or second screen visible',
    triggers: { LOW: ofLast(3, 3), STANDARD: ofLast(2, 3), STRICT: ofLast(1, 1) },
  },
  {
    ...common,
    name: 'speech',
    detector: 'VOICE',
    signal: 'speech',
    weight: 20,
    severity: 'MEDIUM',
    phrase: 'Speech heard',
    triggers: { LOW: speechWithin(10), STANDARD: speechWithin(5), STRICT: speechWithin(3) },
  },
  ...(
    [
      ['forbidden_app', 40, 'HIGH', 'Forbidden application running'],
      ['forbidden_domain', 30, 'HIGH', 'Forbidden site open'],
      ['remote_access', 60, 'CRITICAL', 'Remote-access tool running'],
      ['virtual_machine', 30, 'HIGH', 'Running in a virtual machine'],
      ['extra_display', 20, 'MEDIUM', 'Extra display attached'],
    ] as const
  ).map(([name, weight, severity, phrase]) => ({
    name,
    detector: 'APP_POLICY' as const,
    signal: name,
    threshold: 0.5,
    // Snapshots come every 5 s: clear on the next one that does not show it.
    holdSeconds: 0,
    weight,
    severity,
    phrase,
    ...(name === 'forbidden_domain' && {
      // No platform lets another application read a browser's tabs without the candidate's
      // own automation consent (macOS) or an extension: the desktop sends no domains.
      caveat:
        'Not collected: the desktop client reads no browser tabs on any platform, so this rule never fires for it',
    }),
    triggers: everyLevel(once),
  })),
];

/** Raised by silence, not by a detector: the desktop client sent nothing for the heartbeat timeout. */
export const disconnectRule = {
  name: 'client_disconnected',
  weight: 15,
  severity: 'MEDIUM',
  phrase: 'No word from the desktop client',
} as const;

/** The rules in force for an exam: its level's defaults with its overrides (STANDARD without a policy). */
export function rulesFor(policy: ExamPolicy | undefined): Rule[] {
  const exam = policyInForce(policy);
  const level = exam?.surveillanceLevel ?? 'STANDARD';
  return ruleDefaults.flatMap(({ triggers, ...defaults }) => {
    const override = exam?.ruleOverrides.find((candidate) => candidate.rule === defaults.name);
    let trigger = triggers[level];
    if (override?.enabled === false || (!trigger && override?.enabled !== true)) return [];
    trigger ??= triggers.STANDARD!;
    if (override?.persistSeconds != null && (trigger.kind === 'persists' || trigger.kind === 'amountWithin'))
      trigger = { ...trigger, seconds: override.persistSeconds };
    return [
      {
        ...defaults,
        trigger,
        weight: override?.weight ?? defaults.weight,
        threshold: override?.threshold ?? defaults.threshold,
      },
    ];
  });
}
