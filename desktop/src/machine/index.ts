import type { RunningProcess } from '@proctoflex/core/client';
import { linuxInspector } from './linux.ts';
import { macosInspector } from './macos.ts';
import { windowsInspector } from './windows.ts';

/** What runs on the candidate's machine now: a ProcessSnapshot without the session's ids and the displays. */
export interface MachineSnapshot {
  readonly processes: RunningProcess[];
  readonly foregroundApp: string | null;
  readonly foregroundWindowTitle: string | null;
  readonly virtualMachineHints: string[];
}

/** One implementation per operating system; each leaves out what its OS does not tell a user process. */
export interface MachineInspector {
  snapshot(): Promise<MachineSnapshot>;
}

export function machineInspectorFor(platform: NodeJS.Platform): MachineInspector {
  if (platform === 'linux') return linuxInspector();
  if (platform === 'win32') return windowsInspector();
  if (platform === 'darwin') return macosInspector();
  throw new Error(`no process inspector for ${platform}: ProctoFlex runs on Linux, Windows and macOS`);
}
