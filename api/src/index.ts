export { apiSpec, loadApiConfig, type ApiConfig } from './config.ts';
export { ApiServer } from './server.ts';
export { openApiDocument } from './openapi.ts';
export type { CaptureSettings } from './sessions/capture.ts';
export type { RecordingNotice } from './sessions/notice.ts';
