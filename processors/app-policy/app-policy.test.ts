import assert from 'node:assert/strict';
import test from 'node:test';
import { canonicalApp, type ExamPolicy, type ProcessSnapshot, type RunningProcess } from '@proctoflex/core';
import { examPolicy } from '@proctoflex/core/testing';
import { appPolicySignals, canonicalDomain } from './detect.ts';

function snapshot(processNames: string[], extra: Partial<ProcessSnapshot> = {}): ProcessSnapshot {
  return {
    sessionId: 'session-1',
    examId: 'exam-1',
    candidateId: 'candidate-1',
    seq: 1,
    captureTime: 0,
    platform: 'linux',
    processes: processNames.map((name, pid): RunningProcess => ({ pid, name, executablePath: null })),
    foregroundApp: null,
    foregroundWindowTitle: null,
    browserDomains: [],
    displays: [{ id: 'primary', width: 1920, height: 1080, primary: true }],
    virtualMachineHints: [],
    ...extra,
  };
}

const policy = (changes: Partial<ExamPolicy>) => examPolicy('exam-1', { version: 3, ...changes });

const verdicts = (found: ReturnType<typeof appPolicySignals>) =>
  Object.fromEntries(found.map((signal) => [signal.name, signal.labels]));

test('names compare without case, path or extension', () => {
  assert.equal(canonicalApp('C:\\Users\\ann\\AppData\\Local\\Discord\\Discord.exe'), 'discord');
  assert.equal(canonicalApp('/Applications/zoom.us.app'), 'zoom.us');
  assert.equal(canonicalDomain('HTTPS://www.ChatGPT.com:443/c/123?q=1'), 'chatgpt.com');
  assert.equal(canonicalDomain('Exam.ProctoFlex.dev.'), 'exam.proctoflex.dev');
});

test('forbidden applications are found by any alias, unless the exam allows them by any alias', () => {
  const running = snapshot(['systemd', 'Discord.exe', 'zoom.us', 'ms-teams', 'firefox']);
  assert.deepEqual(verdicts(appPolicySignals(running, undefined)).forbidden_app, ['discord', 'teams', 'zoom']);
  assert.deepEqual(
    verdicts(appPolicySignals(running, policy({ allowedApps: ['Zoom', 'Microsoft Teams'] }))).forbidden_app,
    ['discord'],
  );
  assert.deepEqual(verdicts(appPolicySignals(snapshot(['firefox', 'code']), undefined)).forbidden_app, []);
});

test('domains: an exam allow-list allows its domains and their subdomains only; without one the catalogue decides', () => {
  const browsing = snapshot([], {
    browserDomains: ['exam.proctoflex.dev', 'docs.python.org', 'chatgpt.com', 'en.wikipedia.org'],
  });
  assert.deepEqual(verdicts(appPolicySignals(browsing, undefined)).forbidden_domain, ['chatgpt.com']);
  assert.deepEqual(
    verdicts(appPolicySignals(browsing, policy({ allowedDomains: ['proctoflex.dev', 'Python.org/3/'] })))
      .forbidden_domain,
    ['chatgpt.com', 'en.wikipedia.org'],
  );
  // A deleted exam's policy no longer applies.
  const deleted = policy({ allowedDomains: ['proctoflex.dev'], deleted: true });
  assert.deepEqual(verdicts(appPolicySignals(browsing, deleted)).forbidden_domain, ['chatgpt.com']);
});

test('remote access is never allowed; virtual machines and extra displays are reported', () => {
  const found = appPolicySignals(
    snapshot(['AnyDesk.exe', 'VBoxService', 'x11vnc'], {
      virtualMachineHints: ['DMI vendor: innotek GmbH'],
      displays: [
        { id: '1', width: 1920, height: 1080, primary: true },
        { id: '2', width: 1280, height: 1024, primary: false },
      ],
    }),
    policy({ allowedApps: ['anydesk'] }),
  );
  assert.deepEqual(verdicts(found).remote_access, ['anydesk', 'vnc']);
  assert.deepEqual(verdicts(found).virtual_machine, ['DMI vendor: innotek GmbH', 'virtualbox']);
  const display = found.find((signal) => signal.name === 'extra_display')!;
  assert.equal(display.score, 1);
  assert.equal(display.measurements.displayCount, 2);
});

test('every signal is reported, present or not, and nothing is found in an everyday snapshot', () => {
  const found = appPolicySignals(snapshot(['systemd', 'Xorg', 'firefox']), undefined);
  assert.deepEqual(
    found.map((signal) => [signal.name, signal.score]),
    [
      ['forbidden_app', 0],
      ['forbidden_domain', 0],
      ['remote_access', 0],
      ['virtual_machine', 0],
      ['extra_display', 0],
    ],
  );
});
