import assert from 'node:assert/strict';
import test from 'node:test';
import type { DetectedObject, ObjectLabel } from '@proctoflex/inference';
import { learnScenery, objectSignals } from './detect.ts';

const object = (label: ObjectLabel, score: number, box = { x: 0, y: 0, width: 0.2, height: 0.2 }): DetectedObject => ({
  label,
  score,
  box,
});
const scores = (objects: DetectedObject[]) =>
  Object.fromEntries(objectSignals(objects).map((signal) => [signal.name, signal.score]));

test('each watched object scores as sure as its most certain detection', () => {
  assert.deepEqual(scores([object('cell phone', 0.3), object('cell phone', 0.8), object('book', 0.4)]), {
    phone_visible: 0.8,
    book_visible: 0.4,
    laptop_visible: 0,
    another_person: 0,
  });
});

test('the candidate is a person: another_person needs a second one', () => {
  assert.equal(scores([object('person', 0.9)]).another_person, 0);
  assert.equal(scores([object('person', 0.9), object('person', 0.6)]).another_person, 0.6);
  const signal = objectSignals([object('person', 0.9), object('person', 0.6)]).at(-1)!;
  assert.equal(signal.measurements.personCount, 2);
  assert.equal(signal.boxes.length, 2);
});

test('a person-like shape in the room at the start is scenery, not another person', () => {
  const candidate = object('person', 0.9, { x: 0.1, y: 0, width: 0.8, height: 1 });
  const flag = object('person', 0.6, { x: 0, y: 0, width: 0.28, height: 0.96 });
  const scenery = learnScenery([], [flag, candidate]);
  assert.deepEqual(scenery, [flag.box]);
  // The same shape, a little moved and less sure, later: still the room.
  const flagLater = object('person', 0.55, { x: 0.01, y: 0.02, width: 0.27, height: 0.9 });
  const later = objectSignals([candidate, flagLater], scenery).at(-1)!;
  assert.equal(later.score, 0);
  assert.deepEqual(later.measurements, { personCount: 1, sceneryCount: 1 });
  // Someone stepping in beside the candidate is not.
  const visitor = object('person', 0.7, { x: 0.6, y: 0.1, width: 0.4, height: 0.9 });
  assert.equal(objectSignals([candidate, flagLater, visitor], scenery).at(-1)!.score, 0.7);
  // Learning again from the same frame adds nothing; the candidate is never learnt.
  assert.deepEqual(learnScenery(scenery, [flagLater, candidate]), scenery);
});

test('the candidate stays the candidate where scenery overlaps them', () => {
  const candidate = object('person', 0.9, { x: 0.1, y: 0, width: 0.8, height: 1 });
  const poster = { x: 0.15, y: 0, width: 0.7, height: 0.9 };
  const visitor = object('person', 0.6, { x: 0.7, y: 0.1, width: 0.3, height: 0.9 });
  assert.equal(objectSignals([candidate, visitor], [poster]).at(-1)!.score, 0.6);
});
