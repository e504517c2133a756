import assert from 'node:assert/strict';
import test from 'node:test';
import { behaviours, type Behaviour } from './sequences.ts';
import { reportOf } from './report.ts';
import { evaluateDetection } from './run.ts';

/**
 * The goals the evaluation reaches today (docs/detection.md): a change that makes detection worse
 * on any of them fails here. Phones (6 of 10) and books (3 of 10) fall short of the goal (0.9):
 * their floors are one episode below today's figures. Looking down is judged within the pitch
 * limit (0 of 2): no floor until it is caught.
 */
const standardRecallFloor: Partial<Record<Behaviour, number>> = {
  leaving: 0.9,
  'second-person': 0.9,
  'looking-away': 0.9,
  phone: 0.5,
  book: 0.2,
  speech: 0.9,
  impostor: 0.9,
};

test('detection on the labelled sequences stays at the goals it reaches', async () => {
  const figures = await evaluateDetection();
  // The whole report in the test's output: what changed is there to read when a floor fails.
  console.log(reportOf(figures, ['LOW', 'STANDARD', 'STRICT']));
  assert.deepEqual(figures.deadLetters, [], 'no realistic frame or chunk is refused');
  const standard = figures.levels.STANDARD;
  for (const behaviour of behaviours) {
    const floor = standardRecallFloor[behaviour];
    if (floor === undefined) continue;
    const { recall, missed } = standard.behaviours[behaviour];
    assert.ok(
      recall !== null && recall >= floor,
      `${behaviour}: recall ${recall} at STANDARD; missed ${missed.join(', ')}`,
    );
  }
  for (const level of ['LOW', 'STANDARD', 'STRICT'] as const) {
    const { falseAlertsPerHour, falseAlertsAt, honestHours } = figures.levels[level];
    assert.ok(honestHours > 1, `${level}: over an hour of honest candidates`);
    assert.ok(
      falseAlertsPerHour <= 1,
      `${level}: ${falseAlertsPerHour} false alerts per hour: ${falseAlertsAt.join(', ')}`,
    );
  }
  const { identity } = figures;
  assert.equal(identity.falseMatchRate, 0, 'no impostor passes for the enrolled candidate');
  assert.ok(identity.falseMismatchRate <= 0.02, `false mismatch rate ${identity.falseMismatchRate}`);
});
