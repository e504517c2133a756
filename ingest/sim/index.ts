export { behaviourOf, behaviours, misbehaving, misconductWindows, type Behaviour } from './behaviours.ts';
export { scriptedExam, scriptedSession } from './candidate.ts';
export {
  fixtureSeconds,
  frameSize,
  sceneFrames,
  simulatedMedia,
  soundChunks,
  type Scene,
  type SimulatedMedia,
} from './media.ts';
export { mintSessions, runSimulation, type SimulatedSession } from './run.ts';
export { screenPictures, screenSize, type ScreenView } from './screen.ts';
export * from './cast.ts';
export {
  Webcam,
  plainLook,
  seededRandom,
  type Footage,
  type Look,
  type Placement,
  type Prop,
  type Region,
} from './webcam.ts';
