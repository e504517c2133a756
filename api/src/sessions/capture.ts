import type { SurveillanceLevel } from '@proctoflex/core';

/** How often the desktop captures what, and how far it locks the machine down: per surveillance level. */
export interface CaptureSettings {
  readonly frameIntervalMs: number;
  /** A picture of the screen this often, and whenever the exam window loses or gains the focus. */
  readonly screenIntervalMs: number;
  readonly audioChunkMs: number;
  readonly processIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly lockdown: {
    readonly fullscreen: boolean;
    readonly kiosk: boolean;
    readonly blockShortcuts: boolean;
    /** Applications the exam forbids are closed when they start, not only reported. */
    readonly closeForbiddenApps: boolean;
  };
}

const settingsByLevel: Record<SurveillanceLevel, CaptureSettings> = {
  LOW: {
    frameIntervalMs: 5000,
    screenIntervalMs: 30_000,
    audioChunkMs: 1000,
    processIntervalMs: 10_000,
    heartbeatIntervalMs: 5000,
    lockdown: { fullscreen: false, kiosk: false, blockShortcuts: false, closeForbiddenApps: false },
  },
  STANDARD: {
    frameIntervalMs: 2000,
    screenIntervalMs: 10_000,
    audioChunkMs: 1000,
    processIntervalMs: 5000,
    heartbeatIntervalMs: 5000,
    lockdown: { fullscreen: true, kiosk: false, blockShortcuts: false, closeForbiddenApps: false },
  },
  STRICT: {
    frameIntervalMs: 1000,
    screenIntervalMs: 5000,
    audioChunkMs: 1000,
    processIntervalMs: 5000,
    heartbeatIntervalMs: 5000,
    lockdown: { fullscreen: true, kiosk: true, blockShortcuts: true, closeForbiddenApps: true },
  },
};

export function captureSettings(level: SurveillanceLevel): CaptureSettings {
  return settingsByLevel[level];
}
