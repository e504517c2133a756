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
const speechRecordings = ['speech-recording-1.wav', 'speech-recording-2.wav'];

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

const misconduct = { from: 30, to: 70 };

/**
 * The labelled sequences. Every sitter sits an honest exam (150 s), one with the camera turned
 * on its side (80 s), and one exam per misbehaviour, 40 s of it between an honest 30 s before
 * and 30 s after (the impostor stays 60 s); the variants (which phone, where; who stands where;
 * which recording is heard) rotate over the sitters so each is seen. The real photos of several people close together, and of people looking away or
 * down, are sessions of their own: the behaviour lasts the whole session.
 */
export function labelledSequences(): Sequence[] {
  const sequences: Sequence[] = [];
  const phoneVariants = Object.keys(phonePlacements).flatMap((phoneAt) =>
    Object.keys(phones).map((phone) => ({ phone, phoneAt })),
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
    session('honest', 150, []);
    session('camera-on-its-side', 80, [], index % 2 === 0 ? 1 : 3);
    session('leaving', 100, [during('leaving', 'walks out of the frame')]);
    const [where, placement] = Object.entries(secondPersonPlacements)[index % 2]!;
    session(`second-person-${where}`, 100, [
      during('second-person', `${other.name} ${where}`, { layer: { person: other.footage, placement } }),
    ]);
    const { phone, phoneAt } = phoneVariants[index % phoneVariants.length]!;
    session(`phone-${phone}-${phoneAt}`, 100, [
      during('phone', `${phone} ${phoneAt}`, { layer: { prop: phones[phone]!, placement: phonePlacements[phoneAt]! } }),
    ]);
    const [bookAt, bookPlacement] = Object.entries(bookPlacements)[index % 2]!;
    session(`book-${bookAt}`, 100, [during('book', bookAt, { layer: { prop: book, placement: bookPlacement } })]);
    const recording = speechRecordings[index % speechRecordings.length]!;
    session('speech', 100, [during('speech', recording, { recording })]);
    session('impostor', 110, [{ ...during('impostor', other.name, { footage: other.footage }), to: 90 }]);
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
