import { signal, type Signal } from '@proctoflex/core';
import { iou, type Box, type DetectedObject, type ObjectLabel } from '@proctoflex/inference';

const boxOf = (object: DetectedObject) => ({ label: object.label, score: object.score, ...object.box });
const byScore = (a: DetectedObject, b: DetectedObject) => b.score - a.score;

/** A person-like shape is scenery where it overlaps one of the room's this much. */
const sceneryOverlap = 0.5;
/** At most this many scenery shapes kept per session (bounds its state). */
const sceneryMax = 8;

const inScenery = (object: DetectedObject, scenery: readonly Box[]) =>
  scenery.some((box) => iou(box, object.box) >= sceneryOverlap);

/** One signal per watched object: as sure as the model is of the most certain one in the frame. */
function objectSignal(name: string, label: ObjectLabel, objects: readonly DetectedObject[]): Signal {
  const found = objects.filter((object) => object.label === label).sort(byScore);
  return signal(name, found[0]?.score ?? 0, { measurements: { count: found.length }, boxes: found.map(boxOf) });
}

/**
 * The room's person-like shapes (a flag, a poster, a coat on a chair: the person detector takes
 * some for people) learnt from a frame at the session's start: every person but the most certain
 * one (the candidate), added to those known already.
 */
export function learnScenery(scenery: readonly Box[], objects: readonly DetectedObject[]): Box[] {
  const others = objects
    .filter((object) => object.label === 'person')
    .sort(byScore)
    .slice(1);
  const learnt = [...scenery];
  for (const person of others) {
    if (learnt.length < sceneryMax && !inScenery(person, learnt)) learnt.push(person.box);
  }
  return learnt;
}

/**
 * phone_visible, book_visible, laptop_visible (a second screen) and another_person for one frame.
 * The candidate is a person too: another_person is as sure as the model is of the second one,
 * leaving out the room's scenery.
 */
export function objectSignals(objects: readonly DetectedObject[], scenery: readonly Box[] = []): Signal[] {
  const people = objects.filter((object) => object.label === 'person').sort(byScore);
  // The most certain person is the candidate, wherever the scenery is.
  const [candidate, ...rest] = people;
  const others = rest.filter((person) => !inScenery(person, scenery));
  return [
    objectSignal('phone_visible', 'cell phone', objects),
    objectSignal('book_visible', 'book', objects),
    objectSignal('laptop_visible', 'laptop', objects),
    signal('another_person', others[0]?.score ?? 0, {
      measurements: { personCount: (candidate ? 1 : 0) + others.length, sceneryCount: rest.length - others.length },
      boxes: people.map(boxOf),
    }),
  ];
}
