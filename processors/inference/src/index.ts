export { inferenceSpec, loadInferenceConfig, type InferenceConfig } from './config.ts';
export { ModelSessions, manifestEntry, modelVersion, readModel, type ModelName } from './models.ts';
export { decodeJpeg, rotateImage, type DecodedImage } from './image.ts';
export { decodeFrames, type DecodedFrame } from './frames.ts';
export { iou, nonMaxSuppression, rotateBox, type Box } from './geometry.ts';
export {
  detectFaces,
  headPose,
  defaultFaceOptions,
  type Face,
  type FaceOptions,
  type FaceRange,
  type HeadPose,
} from './faces.ts';
export { describeFaces, embedFaces, identityThreshold, similarity, type FaceCrop } from './embedding.ts';
export {
  detectObjects,
  watchedClasses,
  defaultObjectOptions,
  type DetectedObject,
  type ObjectLabel,
} from './objects.ts';
export {
  voiceActivity,
  newVoiceStream,
  sampleRate,
  windowSeconds,
  type VoiceActivity,
  type VoiceStream,
} from './voice.ts';
