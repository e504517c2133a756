import {
  averted,
  book,
  bookPlacements,
  crowdedScenes,
  phonePlacements,
  phones,
  secondPersonPlacements,
  sitters,
  type Footage,
  type Placement,
  type Prop,
  type Sitter,
} from '@proctoflex/ingest/sim';

/** Real speech (models/fixtures, 60 s each), heard over the room's noise in speech episodes. */
export const speechRecordings = ['speech-recording-1.wav', 'speech-recording-2.wav'];

/** What a candidate does wrong in an episode; each is what one or more rules exist to catch. */
export const behaviours = [
  'leaving',
  'second-person',
  'looking-away',
  'looking-down',
  'phone',
  'book',
  'speech',
  'impostor',
] as const;
export type Behaviour = (typeof behaviours)[number];

/** The rules whose alert means the behaviour was caught. */
export const rulesCatching: Record<Behaviour, readonly string[]> = {
  leaving: ['no_face'],
  'second-person': ['several_faces', 'another_person'],
  'looking-away': ['looking_away'],
  'looking-down': ['looking_away'],
  phone: ['phone_visible'],
  book: ['book_visible'],
  speech: ['speech'],
  impostor: ['identity_mismatch'],
};

/** Something composited into the candidate's frame: a real object, or another real person. */
export type Layer =
  { readonly prop: Prop; readonly placement: Placement } | { readonly person: Footage; readonly placement: Placement };

/** A stretch of a sequence (seconds from its start) in which the candidate misbehaves. */
export interface Episode {
  readonly behaviour: Behaviour;
  /** Which way: the phone and where it is, who the second person is, … */
  readonly variant: string;
  readonly from: number;
  readonly to: number;
  /** What the webcam shows meanwhile, when not the candidate: another sitter, a crowded or averted scene. */
  readonly footage?: Footage;
  readonly layer?: Layer;
  /** Speech episodes: which recording is heard. */
  readonly recording?: string;
}

/**
 * One labelled exam session: who sits it (their enrolment is the first frame), how their camera
 * is mounted, how long it lasts, and its episodes; everything outside them is honest.
 */
export interface Sequence {
  readonly id: string;
  /** The person of the enrolment and the honest stretches; null when the whole session is an episode. */
  readonly sitter: Sitter | null;
  readonly footage: Footage;
  readonly quarterTurns: number;
  readonly seconds: number;
  readonly episodes: readonly Episode[];
  /** Seeds the look: lighting drift, colour, noise, blur, compression. */
  readonly seed: number;
}

const misconduct = { from: 40, to: 80 };

/**
 * The labelled sequences. Every sitter sits an honest exam (4 minutes), one with the camera
 * turned on its side (2 minutes), and one exam per misbehaviour, 40 s of it in the middle of two
 * honest minutes; the variants (which phone, where; who stands where) rotate over the sitters so
 * each is seen. The real photos of several people close together, and of people looking away or
 * down, are sessions of their own: the behaviour lasts the whole session.
 */
export function labelledSequences(): Sequence[] {
  const sequences: Sequence[] = [];
  const phoneVariants = Object.keys(phones).flatMap((phone) =>
    Object.keys(phonePlacements).map((placement) => ({ phone, placement })),
  );
  sitters.forEach((sitter, index) => {
    const other = sitters[(index + 1) % sitters.length]!;
    const seed = 1000 * (index + 1);
    const session = (id: string, seconds: number, episodes: Episode[], quarterTurns = 0) =>
      sequences.push({
        id: `${sitter.name}/${id}`,
        sitter,
        footage: sitter.footage,
        quarterTurns,
        seconds,
        episodes,
        seed: seed + sequences.length,
      });
    const during = (behaviour: Behaviour, variant: string, details: Partial<Episode> = {}): Episode => ({
      behaviour,
      variant,
      ...misconduct,
      ...details,
    });
    session('honest', 240, []);
    session('camera-on-its-side', 120, [], index % 2 === 0 ? 1 : 3);
    session('leaving', 120, [during('leaving', 'walks out of the frame')]);
    for (const [where, placement] of Object.entries(secondPersonPlacements))
      session(`second-person-${where}`, 120, [
        during('second-person', `${other.name} ${where}`, { layer: { person: other.footage, placement } }),
      ]);
    for (const { phone, placement } of [0, 1, 2].map(
      (turn) => phoneVariants[(index * 3 + turn) % phoneVariants.length]!,
    ))
      session(`phone-${phone}-${placement}`, 120, [
        during('phone', `${phone} ${placement}`, {
          layer: { prop: phones[phone]!, placement: phonePlacements[placement]! },
        }),
      ]);
    const [where, placement] = Object.entries(bookPlacements)[index % Object.keys(bookPlacements).length]!;
    session(`book-${where}`, 120, [during('book', where, { layer: { prop: book, placement } })]);
    const recording = speechRecordings[index % speechRecordings.length]!;
    session('speech', 120, [during('speech', recording, { recording })]);
    session('impostor', 140, [{ ...during('impostor', other.name, { footage: other.footage }), to: 110 }]);
  });
  const wholeSession = (id: string, behaviour: Behaviour, footage: Footage) =>
    sequences.push({
      id,
      sitter: null,
      footage,
      quarterTurns: 0,
      seconds: 60,
      episodes: [{ behaviour, variant: id, from: 0, to: 60 }],
      seed: 90_000 + sequences.length,
    });
  for (const [name, footage] of Object.entries(crowdedScenes))
    wholeSession(`crowded/${name}`, 'second-person', footage);
  for (const [name, { footage, direction }] of Object.entries(averted))
    wholeSession(`averted/${name}`, direction === 'away' ? 'looking-away' : 'looking-down', footage);
  return sequences;
}

/** The episode going on at `seconds`, if any. */
export const episodeAt = (sequence: Sequence, seconds: number): Episode | undefined =>
  sequence.episodes.find((episode) => seconds >= episode.from && seconds < episode.to);
