import { execFile } from 'node:child_process';

/** A command's standard output; null when it is missing, fails or takes over 3 s (the snapshot goes on without it). */
export function outputOf(command: string, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 3000, windowsHide: true, maxBuffer: 8 * 1024 * 1024 }, (error, stdout) =>
      resolve(error ? null : stdout),
    );
  });
}

/** Hypervisor names as they show in vendor and model strings of firmware and CPUs. */
const hypervisors = [
  'qemu',
  'kvm',
  'vmware',
  'virtualbox',
  'innotek',
  'xen',
  'parallels',
  'bochs',
  'bhyve',
  'hyper-v',
  'virtual machine',
];

/** `source: value` for each of `values` that names a hypervisor. */
export function hypervisorHints(source: string, values: readonly (string | null)[]): string[] {
  return values
    .filter((value): value is string => !!value && hypervisors.some((name) => value.toLowerCase().includes(name)))
    .map((value) => `${source}: ${value.trim()}`);
}
