import {
  ApplicationRules,
  canonicalApp,
  forbiddenDomains,
  policyInForce,
  signal,
  type ExamPolicy,
  type ProcessSnapshot,
  type Signal,
} from '@proctoflex/core';

/** A domain as allow-lists compare it: lower case, no scheme, port, path, trailing dot or www. */
export function canonicalDomain(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/\.$/, '')
    .replace(/^www\./, '');
}

/** A domain is covered by a listed one when it is that domain or one of its subdomains. */
const coveredBy = (domain: string, listed: readonly string[]) =>
  listed.some((entry) => domain === entry || domain.endsWith(`.${entry}`));

/**
 * Every app-policy signal of one snapshot. Applications: the catalogue's forbidden ones the exam
 * does not allow, remote-access tools (never allowed) and virtual-machine guest tools. Domains:
 * with an exam allow-list, everything outside it; without one, the catalogue's forbidden sites.
 * A deleted exam's policy no longer applies.
 */
export function appPolicySignals(snapshot: ProcessSnapshot, examPolicy: ExamPolicy | undefined): Signal[] {
  const policy = policyInForce(examPolicy);
  const apps = new Set<string>();
  for (const process of snapshot.processes) {
    apps.add(canonicalApp(process.name));
    if (process.executablePath) apps.add(canonicalApp(process.executablePath));
  }
  if (snapshot.foregroundApp) apps.add(canonicalApp(snapshot.foregroundApp));

  const rules = new ApplicationRules(policy?.allowedApps ?? []);
  const forbiddenApps = rules.forbidden(apps);
  const allowedDomains = (policy?.allowedDomains ?? []).map(canonicalDomain);
  const domains = [...new Set(snapshot.browserDomains.map(canonicalDomain))].filter((domain) => domain !== '');
  const forbiddenSites = domains
    .filter((domain) =>
      allowedDomains.length > 0 ? !coveredBy(domain, allowedDomains) : coveredBy(domain, forbiddenDomains),
    )
    .sort();
  const remoteAccess = rules.remoteAccess(apps);
  const virtualMachine = [...new Set([...snapshot.virtualMachineHints, ...rules.guestTools(apps)])].sort();
  const policyMeasurements: Record<string, number> = policy ? { policyVersion: policy.version } : {};

  return [
    signal('forbidden_app', forbiddenApps.length > 0 ? 1 : 0, {
      measurements: { processCount: snapshot.processes.length, ...policyMeasurements },
      labels: forbiddenApps,
    }),
    signal('forbidden_domain', forbiddenSites.length > 0 ? 1 : 0, {
      measurements: { domainCount: domains.length, ...policyMeasurements },
      labels: forbiddenSites,
    }),
    signal('remote_access', remoteAccess.length > 0 ? 1 : 0, { labels: remoteAccess }),
    signal('virtual_machine', virtualMachine.length > 0 ? 1 : 0, { labels: virtualMachine }),
    signal('extra_display', snapshot.displays.length > 1 ? 1 : 0, {
      measurements: { displayCount: snapshot.displays.length },
    }),
  ];
}
