import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { RunningProcess } from '@proctoflex/core/client';
import type { MachineInspector, MachineSnapshot } from './index.ts';
import { hypervisorHints, outputOf } from './run.ts';

/** Reads /proc for the user's processes, asks X11 (xprop) for the focused window, DMI and CPU flags for VM hints. */
export function linuxInspector(uid = process.getuid!()): MachineInspector {
  let vmHints: Promise<string[]> | null = null;
  return {
    async snapshot(): Promise<MachineSnapshot> {
      vmHints ??= linuxVirtualMachineHints();
      const [processes, foreground] = await Promise.all([linuxProcesses(uid), x11ForegroundWindow()]);
      const foregroundApp =
        foreground.pid === null ? null : (processes.find(({ pid }) => pid === foreground.pid)?.name ?? null);
      return {
        processes,
        foregroundApp,
        foregroundWindowTitle: foreground.title,
        virtualMachineHints: await vmHints,
      };
    },
  };
}

/** Every process of `uid` that runs an executable (kernel threads have none). */
export async function linuxProcesses(uid: number): Promise<RunningProcess[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const processes = await Promise.all(
    pids.map(async (pid): Promise<RunningProcess | null> => {
      try {
        const status = await readFile(`/proc/${pid}/status`, 'utf8');
        if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) return null;
        const executablePath = await readlink(`/proc/${pid}/exe`).catch(() => null);
        if (!executablePath) return null;
        // comm is cut at 15 characters; the executable's name is not.
        const name = path.basename(executablePath.replace(/ \(deleted\)$/, ''));
        return { pid: Number(pid), name, executablePath };
      } catch {
        return null; // ended while we looked
      }
    }),
  );
  return processes.filter((entry): entry is RunningProcess => entry !== null).sort((a, b) => a.pid - b.pid);
}

/** The focused window's process and title under X11; nulls without a display (Wayland does not tell). */
async function x11ForegroundWindow(): Promise<{ pid: number | null; title: string | null }> {
  const active = await outputOf('xprop', ['-root', '_NET_ACTIVE_WINDOW']);
  const windowId = active && /window id # (0x[0-9a-f]+)/i.exec(active)?.[1];
  if (!windowId || Number(windowId) === 0) return { pid: null, title: null };
  const properties = await outputOf('xprop', ['-id', windowId, '_NET_WM_PID', '_NET_WM_NAME']);
  return {
    pid: Number(/_NET_WM_PID\(CARDINAL\) = (\d+)/.exec(properties ?? '')?.[1]) || null,
    title: /_NET_WM_NAME\(\w+\) = "(.*)"/.exec(properties ?? '')?.[1] ?? null,
  };
}

async function linuxVirtualMachineHints(): Promise<string[]> {
  const read = (file: string) => readFile(file, 'utf8').catch(() => null);
  const dmi = await Promise.all(
    ['sys_vendor', 'product_name', 'board_vendor'].map((name) => read(`/sys/class/dmi/id/${name}`)),
  );
  const cpuinfo = (await read('/proc/cpuinfo')) ?? '';
  const flagged = /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo) ? ['cpu flag: hypervisor'] : [];
  return [...hypervisorHints('firmware', dmi), ...flagged];
}
