import type { RunningProcess } from '@proctoflex/core';
import type { Scene, Sound } from './media.ts';
import type { ScreenView } from './screen.ts';

/** How a simulated candidate behaves; all but `honest` misbehave in scripted windows. */
export const behaviours = [
  'honest',
  'looks-away',
  'phone',
  'second-person',
  'talks',
  'forbidden-app',
  'leaves',
  'impostor',
] as const;
export type Behaviour = (typeof behaviours)[number];

/** The simulator's mix: 6 in 10 candidates honest, the others cycling through the misbehaviours. */
export function behaviourOf(candidateIndex: number): Behaviour {
  const misbehaviours = behaviours.filter((behaviour) => behaviour !== 'honest');
  return candidateIndex % 10 < 6 ? 'honest' : misbehaviours[candidateIndex % misbehaviours.length]!;
}

/**
 * Every minute of the exam a misbehaving candidate misbehaves from second 20 to second 40:
 * longer than any rule's persistence (no face 10 s, looking away 8 s, speech 5 s in 30 s).
 */
const cycleSeconds = 60;
const misconduct = { from: 20, to: 40 };

export function misbehaving(behaviour: Behaviour, secondsIntoExam: number): boolean {
  if (behaviour === 'honest') return false;
  const inCycle = secondsIntoExam % cycleSeconds;
  return inCycle >= misconduct.from && inCycle < misconduct.to;
}

/** The windows (seconds into the exam) in which the candidate misbehaves: the simulation's ground truth. */
export function misconductWindows(behaviour: Behaviour, durationSeconds: number): { from: number; to: number }[] {
  if (behaviour === 'honest') return [];
  const windows: { from: number; to: number }[] = [];
  for (let start = 0; start + misconduct.from < durationSeconds; start += cycleSeconds) {
    windows.push({ from: start + misconduct.from, to: Math.min(start + misconduct.to, durationSeconds) });
  }
  return windows;
}

const sceneWhenMisbehaving: Partial<Record<Behaviour, Scene>> = {
  'looks-away': 'looking-away',
  phone: 'phone',
  'second-person': 'two-people',
  leaves: 'empty',
  impostor: 'candidate-alt',
};

export function sceneAt(behaviour: Behaviour, secondsIntoExam: number): Scene {
  return misbehaving(behaviour, secondsIntoExam) ? (sceneWhenMisbehaving[behaviour] ?? 'candidate') : 'candidate';
}

export function soundAt(behaviour: Behaviour, secondsIntoExam: number): Sound {
  return behaviour === 'talks' && misbehaving(behaviour, secondsIntoExam) ? 'speech' : 'quiet';
}

const everyday: RunningProcess[] = [
  { pid: 1, name: 'systemd', executablePath: '/usr/lib/systemd/systemd' },
  { pid: 812, name: 'Xorg', executablePath: '/usr/lib/xorg/Xorg' },
  { pid: 2301, name: 'proctoflex-desktop', executablePath: '/opt/ProctoFlex/proctoflex-desktop' },
  { pid: 2455, name: 'firefox', executablePath: '/usr/lib/firefox/firefox' },
];
const forbidden: RunningProcess[] = [{ pid: 3120, name: 'Discord', executablePath: '/usr/share/discord/Discord' }];

export function processesAt(
  behaviour: Behaviour,
  secondsIntoExam: number,
): { processes: RunningProcess[]; browserDomains: string[] } {
  return behaviour === 'forbidden-app' && misbehaving(behaviour, secondsIntoExam)
    ? { processes: [...everyday, ...forbidden], browserDomains: ['exam.proctoflex.dev', 'chatgpt.com'] }
    : { processes: everyday, browserDomains: ['exam.proctoflex.dev'] };
}

export function screenAt(behaviour: Behaviour, secondsIntoExam: number): ScreenView {
  return behaviour === 'forbidden-app' && misbehaving(behaviour, secondsIntoExam) ? 'other-app' : 'exam';
}
