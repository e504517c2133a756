import assert from 'node:assert/strict';
import test from 'node:test';
import type { DetectedObject, ObjectLabel } from '@proctoflex/inference';
import { objectSignals } from './detect.ts';

const object = (label: ObjectLabel, score: number): DetectedObject => ({
  label,
  score,
  box: { x: 0, y: 0, width: 0.2, height: 0.2 },
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
