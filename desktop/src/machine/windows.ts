import { userInfo } from 'node:os';
import type { RunningProcess } from '@proctoflex/core/client';
import type { MachineInspector, MachineSnapshot } from './index.ts';
import { hypervisorHints, outputOf } from './run.ts';

/** The focused window's process id and title, through user32 from PowerShell. */
const foregroundScript = `
Add-Type @"
using System; using System.Runtime.InteropServices; using System.Text;
public static class Fg {
  [DllImport("user32.dll")] public static extern IntPtr GetForegroundWindow();
  [DllImport("user32.dll")] public static extern int GetWindowText(IntPtr h, StringBuilder s, int n);
  [DllImport("user32.dll")] public static extern uint GetWindowThreadProcessId(IntPtr h, out uint p);
}
"@
$h = [Fg]::GetForegroundWindow(); $s = New-Object System.Text.StringBuilder 512
[void][Fg]::GetWindowText($h, $s, 512); $p = 0; [void][Fg]::GetWindowThreadProcessId($h, [ref]$p)
"$p"; $s.ToString()`;

/** tasklist for the user's processes, user32 for the focused window, the computer system's maker for VM hints. */
export function windowsInspector(): MachineInspector {
  let vmHints: Promise<string[]> | null = null;
  return {
    async snapshot(): Promise<MachineSnapshot> {
      vmHints ??= outputOf('powershell.exe', [
        '-NoProfile',
        '-Command',
        '$c = Get-CimInstance Win32_ComputerSystem; $c.Manufacturer; $c.Model',
      ]).then((text) => hypervisorHints('computer system', (text ?? '').split(/\r?\n/)));
      const [list, foreground] = await Promise.all([
        outputOf('tasklist.exe', ['/fo', 'csv', '/nh', '/fi', `USERNAME eq ${userInfo().username}`]),
        outputOf('powershell.exe', ['-NoProfile', '-Command', foregroundScript]),
      ]);
      const processes = parseTasklist(list ?? '');
      const [pidLine, ...titleLines] = (foreground ?? '').split(/\r?\n/);
      const pid = Number(pidLine) || null;
      return {
        processes,
        foregroundApp: processes.find((entry) => entry.pid === pid)?.name ?? null,
        foregroundWindowTitle: titleLines.join(' ').trim() || null,
        virtualMachineHints: await vmHints,
      };
    },
  };
}

/** `tasklist /fo csv /nh` lines: "Image Name","PID","Session Name","Session#","Mem Usage". */
export function parseTasklist(csv: string): RunningProcess[] {
  return csv
    .split(/\r?\n/)
    .map((line) => [...line.matchAll(/"([^"]*)"/g)].map((match) => match[1]!))
    .filter((fields) => fields.length >= 2 && /^\d+$/.test(fields[1]!))
    .map(([name, pid]) => ({ pid: Number(pid), name: name!, executablePath: null }));
}
