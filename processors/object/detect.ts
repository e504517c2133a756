import { signal, type Signal } from '@proctoflex/core';
import type { DetectedObject, ObjectLabel } from '@proctoflex/inference';

const boxOf = (object: DetectedObject) => ({ label: object.label, score: object.score, ...object.box });

/** One signal per watched object: as sure as the model is of the most certain one in the frame. */
function objectSignal(name: string, label: ObjectLabel, objects: readonly DetectedObject[]): Signal {
  const found = objects.filter((object) => object.label === label).sort((a, b) => b.score - a.score);
  return signal(name, found[0]?.score ?? 0, { measurements: { count: found.length }, boxes: found.map(boxOf) });
}

/**
 * phone_visible, book_visible, laptop_visible (a second screen) and another_person for one frame.
 * The candidate is a person too: another_person is as sure as the model is of the second one.
 */
export function objectSignals(objects: readonly DetectedObject[]): Signal[] {
  const people = objects.filter((object) => object.label === 'person').sort((a, b) => b.score - a.score);
  return [
    objectSignal('phone_visible', 'cell phone', objects),
    objectSignal('book_visible', 'book', objects),
    objectSignal('laptop_visible', 'laptop', objects),
    signal('another_person', people[1]?.score ?? 0, {
      measurements: { personCount: people.length },
      boxes: people.map(boxOf),
    }),
  ];
}
