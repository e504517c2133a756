import assert from 'node:assert/strict';
import test from 'node:test';
import { uniqueName } from '@proctoflex/core/testing';
import { startApi, twoExams } from './src/testing.ts';

test('admins import candidates from CSV: every bad line named and nobody imported, or everyone created, enrolled and able to sign in', async (t) => {
  const api = await startApi(t);
  const { adminToken, instructorA, examA } = await twoExams(api);
  const { call } = api;
  const importCsv = (csv: string, examId?: string, token = adminToken) =>
    call('POST', '/api/users/import', token, { csv, ...(examId && { examId }) });
  const userCount = async () => ((await call('GET', '/api/users', adminToken)).body.users as unknown[]).length;
  const before = await userCount();
  const existing = (await call('GET', '/api/users?role=student', adminToken)).body.users as { email: string }[];
  const email = (name: string) => `${uniqueName(name)}@import.test`;

  // Every wrong line of the file at once, by its line number; nothing is created.
  const duplicate = email('twice');
  const bad = await importCsv(
    [
      'email,name,password',
      `${duplicate},Ann Able,`,
      'not-an-email,Ben Bad,',
      `${email('short')},Cy Short,short`,
      `${duplicate.toUpperCase()},Ann Again,`,
      `${existing[0]!.email},Dee Taken,`,
      `${email('nameless')}, ,`,
      `${email('fine')},Eve Fine,`,
    ].join('\n'),
  );
  assert.equal(bad.status, 422);
  assert.match(String(bad.body.error), /nobody was imported/);
  assert.deepEqual(
    (bad.body.problems as { line: number; message: string }[]).map(({ line, message }) => [line, message]),
    [
      [3, 'not an email address'],
      [4, 'a password of fewer than 12 characters'],
      [5, `${duplicate} is on line 2 already`],
      [6, `a user with the email ${existing[0]!.email} exists`],
      [7, 'no name'],
    ],
  );
  assert.equal(await userCount(), before, 'nobody half-imported');

  // A file that is not CSV, or not ours, or too long, is refused whole.
  const unclosed = await importCsv(`email,name\n${email('q')},"Open quote\n`);
  assert.equal(unclosed.status, 422);
  assert.match(String((unclosed.body.problems as { message: string }[])[0]!.message), /Quote Not Closed/);
  const header = await importCsv(`mail,name,role\n${email('h')},Hal,admin\n`);
  assert.deepEqual(
    (header.body.problems as { line: number }[]).map(({ line }) => line),
    [1],
  );
  const tooMany = await importCsv(
    ['email,name', ...Array.from({ length: 1001 }, (_, i) => `c${i}@x.test,C ${i}`)].join('\n'),
  );
  assert.equal(tooMany.status, 422);
  assert.match(String(tooMany.body.error), /nobody/);
  assert.equal((await importCsv('', examA)).status, 400);
  assert.deepEqual((await importCsv('email,name\n', examA)).body.problems, [
    { line: 2, message: 'no candidates under the header' },
  ]);
  assert.equal((await importCsv('email,name\n', uniqueName('exam'))).status, 404);
  assert.equal((await importCsv(`email,name\n${email('i')},Ivy\n`, undefined, instructorA.token)).status, 403);
  assert.equal(await userCount(), before);

  // A good file (a spreadsheet's: BOM, CRLF, quotes, upper case): created, enrolled, signed in.
  const withPassword = { email: email('pat'), password: 'a long enough password' };
  const good = await importCsv(
    [
      '\uFEFFEmail,Name,Password',
      `${withPassword.email.toUpperCase()},"Pat, the first",${withPassword.password}`,
      `${email('quinn')},"=Quinn ""Q"" Public",`,
      `${email('ren')},Ren Ωμέγα`,
    ].join('\r\n'),
    examA,
  );
  assert.equal(good.status, 201, JSON.stringify(good.body));
  const created = good.body.created as { id: string; email: string; displayName: string; password?: string }[];
  assert.deepEqual(
    created.map(({ displayName, password }) => [displayName, password === undefined]),
    [
      ['Pat, the first', true],
      ['=Quinn "Q" Public', false],
      ['Ren Ωμέγα', false],
    ],
    'a password generated, and shown once, where the file had none',
  );
  assert.equal(created[0]!.email, withPassword.email);
  await api.login(withPassword.email, withPassword.password);
  for (const { email: address, password } of created.slice(1)) await api.login(address, password!);
  const { body: exam } = await call('GET', `/api/exams/${examA}`, adminToken);
  for (const { id } of created) assert.ok((exam.candidates as string[]).includes(id), 'enrolled in the exam');
  const { body: audited } = await call('GET', `/api/audit?entityType=user&entityId=${created[2]!.id}`, adminToken);
  assert.deepEqual(
    (audited.entries as { action: string }[]).map(({ action }) => action),
    ['user.create'],
  );
  assert.equal(await userCount(), before + 3);
  // Imported again: all three taken, nothing changes.
  const again = await importCsv(`email,name\n${created.map(({ email: address }) => `${address},X`).join('\n')}`);
  assert.deepEqual(
    (again.body.problems as { line: number }[]).map(({ line }) => line),
    [2, 3, 4],
  );
});
