import path from 'node:path';
import type { RunningProcess } from '@proctoflex/core/client';
import type { MachineInspector, MachineSnapshot } from './index.ts';
import { hypervisorHints, outputOf } from './run.ts';

const frontmostScript = `tell application "System Events"
  set p to first application process whose frontmost is true
  set t to ""
  try
    set t to name of front window of p
  end try
  return (unix id of p as text) & linefeed & t
end tell`;

/** ps for the user's processes, System Events for the frontmost app (its title needs the accessibility permission), sysctl for VM hints. */
export function macosInspector(): MachineInspector {
  let vmHints: Promise<string[]> | null = null;
  return {
    async snapshot(): Promise<MachineSnapshot> {
      vmHints ??= Promise.all([
        outputOf('sysctl', ['-n', 'kern.hv_vmm_present']),
        outputOf('sysctl', ['-n', 'hw.model', 'machdep.cpu.brand_string']),
      ]).then(([vmm, model]) => [
        ...(vmm?.trim() === '1' ? ['sysctl: kern.hv_vmm_present=1'] : []),
        ...hypervisorHints('hardware model', (model ?? '').split('\n')),
      ]);
      const [list, frontmost] = await Promise.all([
        outputOf('ps', ['-x', '-o', 'pid=,comm=']),
        outputOf('osascript', ['-e', frontmostScript]),
      ]);
      const processes = parsePs(list ?? '');
      const [pidLine, title] = (frontmost ?? '').split('\n');
      const pid = Number(pidLine) || null;
      return {
        processes,
        foregroundApp: processes.find((entry) => entry.pid === pid)?.name ?? null,
        foregroundWindowTitle: title?.trim() || null,
        virtualMachineHints: await vmHints,
      };
    },
  };
}

/** `ps -o pid=,comm=` lines: a pid, then the executable's path. */
export function parsePs(text: string): RunningProcess[] {
  return text
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.+?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, pid, executable]) => ({
      pid: Number(pid),
      name: path.basename(executable!),
      executablePath: executable!.startsWith('/') ? executable! : null,
    }));
}
