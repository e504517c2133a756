/**
 * What ProctoFlex knows about applications and sites, by canonical name: the app-policy processor
 * scores snapshots with it and the desktop closes what an exam forbids. An executable matches by
 * its name or any alias, compared after `canonicalApp` (case, path and extension do not matter).
 * Bump `catalogueVersion` on every change: scores name it.
 */
export const catalogueVersion = 'app-policy-catalogue-1';

/** Applications that help a candidate cheat; an exam may allow some of them (ExamPolicy.allowedApps). */
export const forbiddenApplications: Record<string, readonly string[]> = {
  discord: ['discord', 'discordcanary', 'discordptb'],
  slack: ['slack'],
  teams: ['teams', 'ms-teams', 'msteams', 'microsoft teams', 'teams-for-linux'],
  skype: ['skype', 'skypeforlinux'],
  zoom: ['zoom', 'zoom.us', 'zoomwebinar'],
  telegram: ['telegram', 'telegram desktop', 'telegram-desktop'],
  whatsapp: ['whatsapp', 'whatsapp-desktop'],
  signal: ['signal', 'signal-desktop', 'signal beta'],
  messenger: ['messenger', 'caprine'],
  element: ['element', 'element-desktop'],
  chatgpt: ['chatgpt'],
  claude: ['claude'],
  copilot: ['copilot', 'microsoft copilot'],
  obs: ['obs', 'obs64', 'obs32', 'obs-studio'],
};

/** Tools that let someone else see or drive the candidate's machine (never allowed by an exam's list). */
export const remoteAccessApplications: Record<string, readonly string[]> = {
  teamviewer: ['teamviewer', 'teamviewer_service', 'teamviewerd', 'tv_w32', 'tv_x64'],
  anydesk: ['anydesk'],
  rustdesk: ['rustdesk'],
  'chrome remote desktop': [
    'remoting_host',
    'chrome-remote-desktop-host',
    'remoting_desktop',
    'remote_assistance_host',
  ],
  vnc: ['x11vnc', 'vncserver', 'xvnc', 'winvnc', 'tvnserver', 'vncserver-x11', 'vncserver-x11-core', 'wayvnc'],
  parsec: ['parsecd', 'parsec'],
  splashtop: ['splashtop', 'srserver', 'strwinclt'],
  logmein: ['logmein', 'lmiguardian'],
  'remote desktop': ['mstsc', 'rdpclip', 'xrdp', 'gnome-remote-desktop-daemon', 'krfb'],
  'ammyy admin': ['aa_v3', 'ammyy'],
};

/** Guest tools that give away a virtual machine. */
export const virtualMachineGuestApplications: Record<string, readonly string[]> = {
  virtualbox: ['vboxservice', 'vboxtray', 'vboxclient'],
  vmware: ['vmtoolsd', 'vmware-tray', 'vmwareuser', 'vmware-user', 'vmacthlp'],
  qemu: ['qemu-ga', 'spice-vdagent', 'spice-vdagentd'],
  parallels: ['prl_tools', 'prl_cc', 'prl_tools_service'],
  'hyper-v': ['vmicsvc', 'hv_kvp_daemon', 'hv_vss_daemon'],
  xen: ['xenservice', 'xe-daemon'],
};

/** Sites that answer exam questions or connect the candidate to others; used when an exam lists no domains. */
export const forbiddenDomains: readonly string[] = [
  'chatgpt.com',
  'openai.com',
  'claude.ai',
  'gemini.google.com',
  'bard.google.com',
  'copilot.microsoft.com',
  'perplexity.ai',
  'deepseek.com',
  'poe.com',
  'you.com',
  'phind.com',
  'chegg.com',
  'coursehero.com',
  'quizlet.com',
  'brainly.com',
  'studocu.com',
  'wolframalpha.com',
  'symbolab.com',
  'photomath.com',
  'discord.com',
  'web.whatsapp.com',
  'web.telegram.org',
  'messenger.com',
  'slack.com',
];

/** An executable as the catalogue names it: last path component, lower case, no .exe/.app suffix. */
export function canonicalApp(name: string): string {
  const base = name.split(/[\\/]/).pop()!.trim().toLowerCase();
  return base.replace(/\.(exe|app|appimage)$/, '');
}

/** Alias (canonical) -> catalogue name. */
function aliasIndex(catalogue: Record<string, readonly string[]>): Map<string, string> {
  return new Map(
    Object.entries(catalogue).flatMap(([name, aliases]) =>
      [name, ...aliases].map((alias) => [canonicalApp(alias), name]),
    ),
  );
}

const forbiddenIndex = aliasIndex(forbiddenApplications);
const remoteAccessIndex = aliasIndex(remoteAccessApplications);
const guestToolIndex = aliasIndex(virtualMachineGuestApplications);

/** What an exam's policy makes of the applications a machine runs (canonical names, see `canonicalApp`). */
export class ApplicationRules {
  private readonly allowed: ReadonlySet<string>;

  /** `allowedApps`: the exam's list, by name or alias; remote-access tools stay forbidden whatever it says. */
  constructor(allowedApps: readonly string[]) {
    this.allowed = new Set(allowedApps.map((app) => forbiddenIndex.get(canonicalApp(app)) ?? canonicalApp(app)));
  }

  /** The catalogue's forbidden applications among `apps` that the exam does not allow, sorted. */
  forbidden(apps: Iterable<string>): string[] {
    return found(apps, forbiddenIndex).filter((name) => !this.allowed.has(name));
  }

  /** Remote-access tools among `apps`, sorted. */
  remoteAccess(apps: Iterable<string>): string[] {
    return found(apps, remoteAccessIndex);
  }

  /** Virtual-machine guest tools among `apps`, sorted. */
  guestTools(apps: Iterable<string>): string[] {
    return found(apps, guestToolIndex);
  }

  /** The catalogue name under which the exam forbids `app` (forbidden and not allowed, or remote access), or null. */
  forbiddenName(app: string): string | null {
    const forbidden = forbiddenIndex.get(app);
    if (forbidden && !this.allowed.has(forbidden)) return forbidden;
    return remoteAccessIndex.get(app) ?? null;
  }
}

/** Catalogue names found among `apps` (canonical), sorted. */
function found(apps: Iterable<string>, index: ReadonlyMap<string, string>): string[] {
  const names = new Set<string>();
  for (const app of apps) {
    const name = index.get(app);
    if (name) names.add(name);
  }
  return [...names].sort();
}
