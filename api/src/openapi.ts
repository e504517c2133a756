/**
 * OpenAPI 3 description of every route, served at /api/openapi.json. api.test.ts checks that
 * the routes in the code and the paths here are the same set.
 */
type Schema = Record<string, unknown>;

const string = { type: 'string' };
const dateTime = { type: 'string', format: 'date-time' };
const integer = { type: 'integer' };
const boolean = { type: 'boolean' };
const object = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: string });
const queryParam = (name: string, schema: Schema = string) => ({ name, in: 'query', required: false, schema });

const errors = {
  400: { description: 'Malformed request: the message names each wrong field', ...json(ref('Error')) },
  401: { description: 'No valid access token', ...json(ref('Error')) },
  403: { description: 'Not allowed for this role or exam', ...json(ref('Error')) },
  404: { description: 'No such entity', ...json(ref('Error')) },
};

/**
 * One operation; `roles` are who may call it (empty: anyone, no token), each a role name and
 * what limits it, e.g. `instructor (own exams)`; `x-roles` lists the bare role names.
 */
function operation(
  summary: string,
  roles: string[],
  options: { parameters?: Schema[]; body?: Schema; response?: Schema; status?: number; extra?: Schema } = {},
): Schema {
  return {
    summary,
    description: roles.length > 0 ? `Roles: ${roles.join(', ')}.` : 'No access token needed.',
    ...(roles.length > 0 && { security: [{ bearer: [] }] }),
    'x-roles': roles.map((role) => role.split(' ')[0]),
    ...(options.parameters && { parameters: options.parameters }),
    ...(options.body && { requestBody: { required: true, ...json(options.body) } }),
    responses: {
      [options.status ?? 200]: {
        description: 'Success',
        ...(options.response && json(options.response)),
      },
      ...errors,
      ...options.extra,
    },
  };
}

const examInput = object(
  {
    title: string,
    startsAt: dateTime,
    endsAt: dateTime,
    durationMinutes: integer,
    retentionDays: { type: 'integer', minimum: 1, maximum: 3650, default: 90 },
    surveillanceLevel: { type: 'string', enum: ['LOW', 'STANDARD', 'STRICT'] },
    allowedApps: { type: 'array', items: string },
    allowedDomains: { type: 'array', items: string },
    ruleOverrides: {
      type: 'array',
      items: object(
        {
          rule: string,
          enabled: { type: 'boolean', nullable: true },
          weight: { type: 'number', nullable: true },
          threshold: { type: 'number', nullable: true },
          persistSeconds: { type: 'number', nullable: true },
        },
        ['rule'],
      ),
    },
  },
  ['title', 'startsAt', 'endsAt', 'durationMinutes'],
);
const tokens = object({ accessToken: string, expiresIn: integer, refreshToken: string, role: string });
const ingestGrant = object({
  sessionId: string,
  examId: string,
  candidateId: string,
  capture: object({
    frameIntervalMs: integer,
    screenIntervalMs: integer,
    audioChunkMs: integer,
    processIntervalMs: integer,
    heartbeatIntervalMs: integer,
    lockdown: object({ fullscreen: boolean, kiosk: boolean, blockShortcuts: boolean, closeForbiddenApps: boolean }),
  }),
  ingestUrl: string,
  // Null while the session waits for the candidate's identity to be confirmed.
  ingestToken: { type: 'string', nullable: true },
  ingestTokenExpiresIn: integer,
  verification: {
    type: 'string',
    nullable: true,
    enum: ['required', 'verified', 'pending', 'approved', 'refused', null],
  },
});
const refreshBody = object({ refreshToken: string });
const watchers = ['proctor', 'instructor (own exams)', 'admin'];
const managers = ['instructor (own exams)', 'admin'];
const everyone = ['admin', 'instructor', 'proctor', 'student (exams they sit)'];

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'ProctoFlex API',
    version: '1',
    description:
      'Exams, sessions and alerts for proctors, instructors, admins and candidates. Errors are `{ error, requestId }`.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Error: object({ error: string, requestId: string }, ['error']),
      User: object({ id: string, email: string, displayName: string, role: string, disabled: { type: 'boolean' } }),
      Exam: { ...examInput, properties: { ...(examInput.properties as Schema), id: string, policyVersion: integer } },
      Session: object({
        id: string,
        examId: string,
        candidateId: string,
        candidateName: string,
        status: string,
        pausedAt: { ...dateTime, nullable: true, description: 'Set while a proctor has the session paused' },
        startedAt: dateTime,
        verification: {
          type: 'string',
          nullable: true,
          description:
            'Identity before the exam: required, verified, pending, approved, refused; null: no reference photo',
        },
        verificationSimilarity: { type: 'number', nullable: true },
        openAlerts: integer,
        disconnected: { type: 'boolean', description: 'The risk stage has an open client_disconnected alert' },
      }),
      Intervention: object(
        {
          id: string,
          sessionId: string,
          examId: string,
          kind: { type: 'string', enum: ['message', 'pause', 'resume', 'end'] },
          text: { ...string, description: 'The message, or the reason the candidate is told' },
          sentBy: { ...string, nullable: true },
          sentByName: { ...string, nullable: true },
          sentAt: dateTime,
          acknowledgedAt: { ...dateTime, nullable: true, description: "When the candidate's client acknowledged it" },
        },
        ['id', 'kind', 'text', 'sentAt', 'acknowledgedAt'],
      ),
      Alert: object({
        id: string,
        sessionId: string,
        examId: string,
        rule: string,
        state: { type: 'string', enum: ['open', 'closed'] },
        severity: string,
        description: string,
        startedAt: dateTime,
        reviewStatus: { type: 'string', enum: ['pending', 'confirmed', 'dismissed', 'escalated'] },
      }),
    },
  },
  paths: {
    '/api/auth/login': {
      post: operation('Sign in with email and password', [], {
        body: object({ email: string, password: string }),
        response: tokens,
        extra: {
          429: {
            description: 'Too many attempts from this address (a locked account answers 401 as a wrong password)',
          },
        },
      }),
    },
    '/api/auth/refresh': {
      post: operation('Trade a refresh token for new tokens (each refresh token works once)', [], {
        body: refreshBody,
        response: tokens,
      }),
    },
    '/api/auth/logout': {
      post: operation('End the sign-in a refresh token belongs to', [], { body: refreshBody, status: 204 }),
    },
    '/api/me': { get: operation('The signed-in user', everyone, { response: ref('User') }) },
    '/api/users/import': {
      post: operation(
        'Import candidates (students) from a CSV with the header email,name[,password] (at most 1,000 rows), enrolled in examId when given: all created in one transaction, or none and a 422 with `problems` (line, message) for every wrong line. A row without a password gets one generated, returned once in `created`',
        ['admin'],
        {
          body: object({ csv: string, examId: string }, ['csv']),
          response: object({
            created: {
              type: 'array',
              items: object({ id: string, email: string, displayName: string, password: string }, [
                'id',
                'email',
                'displayName',
              ]),
            },
          }),
          status: 201,
        },
      ),
    },
    '/api/users': {
      post: operation('Create a user', ['admin'], {
        body: object({ email: string, displayName: string, role: string, password: string }),
        response: ref('User'),
        status: 201,
      }),
      get: operation(
        'List users (an instructor: the students and proctors, to assign them)',
        ['admin', 'instructor (students and proctors)'],
        {
          parameters: [queryParam('role')],
          response: object({ users: { type: 'array', items: ref('User') } }),
        },
      ),
    },
    '/api/users/{userId}/reference-photo': {
      put: operation(
        "Put a candidate's reference photo on record (JPEG, base64, at most 700 KiB; kept encrypted), replacing any earlier one",
        ['admin', 'instructor (of an exam the candidate sits)'],
        {
          parameters: [pathParam('userId')],
          body: object({ jpeg: string }),
          response: object({ byteSize: integer, width: integer, height: integer }),
        },
      ),
      get: operation(
        "A candidate's reference photo (JPEG), decrypted; never cached",
        ['admin', 'instructor (of an exam the candidate sits)', 'proctor (of an exam the candidate sits)'],
        { parameters: [pathParam('userId')] },
      ),
    },
    '/api/users/{userId}/disable': {
      post: operation('Disable a user and end their sign-ins', ['admin'], {
        parameters: [pathParam('userId')],
        response: ref('User'),
      }),
    },
    '/api/exams': {
      post: operation('Create an exam; its policy goes to proctor.policies.v1', ['instructor', 'admin'], {
        body: examInput,
        response: ref('Exam'),
        status: 201,
      }),
      get: operation('The exams the caller may see', everyone, {
        response: object({ exams: { type: 'array', items: ref('Exam') } }),
      }),
    },
    '/api/rules': {
      get: operation(
        "The risk stage's rules with their defaults per surveillance level (null: off), what ruleOverrides change",
        ['instructor', 'admin', 'proctor'],
        { response: object({ rules: { type: 'array', items: { type: 'object' } } }) },
      ),
    },
    '/api/exams/{examId}': {
      get: operation('One exam with its candidates, proctors and assigned instructors', everyone, {
        parameters: [pathParam('examId')],
        response: ref('Exam'),
      }),
      put: operation('Replace an exam and publish its next policy version', managers, {
        parameters: [pathParam('examId')],
        body: examInput,
        response: ref('Exam'),
      }),
      delete: operation('Delete an exam (stages forget it; sessions are kept)', managers, {
        parameters: [pathParam('examId')],
        status: 204,
      }),
    },
    '/api/exams/{examId}/members': {
      put: operation(
        'Set the candidates (students) and proctors of an exam, and (an admin only) the instructors who manage it besides its creator; instructors absent: left as they are',
        managers,
        {
          parameters: [pathParam('examId')],
          body: object(
            {
              candidates: { type: 'array', items: string },
              proctors: { type: 'array', items: string },
              instructors: { type: 'array', items: string },
            },
            ['candidates', 'proctors'],
          ),
        },
      ),
    },
    '/api/exams/{examId}/notice': {
      get: operation(
        'The recording notice a candidate agrees to before a session starts: what is recorded, how long it is kept, who sees it',
        everyone,
        {
          parameters: [pathParam('examId')],
          response: object({
            version: string,
            recorded: { type: 'array', items: string },
            kept: string,
            seenBy: string,
          }),
        },
      ),
    },
    '/api/exams/{examId}/sessions': {
      post: operation(
        "Start a session (enrolled student, within the exam window) with the candidate's agreement to the recording notice (audited): ingest URL and token",
        ['student'],
        {
          parameters: [pathParam('examId')],
          body: object({ noticeVersion: string }),
          response: ingestGrant,
          status: 201,
          extra: {
            409: {
              description:
                'Outside the window, a session is already active, or the notice agreed to is not the one in force',
            },
          },
        },
      ),
      get: operation("An exam's sessions (a student sees their own)", everyone, {
        parameters: [pathParam('examId')],
        response: object({ sessions: { type: 'array', items: ref('Session') } }),
      }),
    },
    '/api/sessions/{sessionId}': {
      get: operation('One session', everyone, { parameters: [pathParam('sessionId')], response: ref('Session') }),
    },
    '/api/sessions/{sessionId}/timeline': {
      get: operation(
        "A session's risk over time, its strongest signal per minute and detector, its events but heartbeats (ClickHouse, at most 1,000), its alerts, and the pictures of its screen (at most 5,000, oldest first)",
        watchers,
        {
          parameters: [pathParam('sessionId')],
          response: object({
            session: ref('Session'),
            risk: { type: 'array', items: object({ time: integer, risk: { type: 'number' }, level: string }) },
            signals: { type: 'array', items: { type: 'object' } },
            events: {
              type: 'array',
              items: object({ time: integer, type: string, detail: { type: 'string', nullable: true } }),
            },
            alerts: { type: 'array', items: ref('Alert') },
            screens: {
              type: 'array',
              items: object({ seq: integer, time: integer, width: integer, height: integer, url: string }),
            },
          }),
        },
      ),
    },
    '/api/sessions/{sessionId}/screens/{seq}': {
      get: operation(
        "A picture of the session's screen (JPEG as the client sent it), decrypted; never cached",
        watchers,
        {
          parameters: [pathParam('sessionId'), pathParam('seq')],
        },
      ),
    },
    ...Object.fromEntries(
      (
        [
          [
            'csv',
            'text/csv',
            'a row per alert (a session without alerts and a candidate who did not sit on one of their own)',
          ],
          ['pdf', 'application/pdf', "A4: the exam and its totals, a line per candidate, each candidate's alerts"],
        ] as const
      ).map(([format, type, what]) => [
        `/api/exams/{examId}/report.${format}`,
        {
          get: {
            ...operation(
              `The exam board's report: every candidate, their sessions, alerts, decisions, reviewers and times (UTC), ${what}; audited (exam.report)`,
              managers,
              { parameters: [pathParam('examId')] },
            ),
            responses: {
              200: { description: `The report (${type}), as an attachment`, content: { [type]: {} } },
              ...errors,
            },
          },
        },
      ]),
    ),
    '/api/sessions/{sessionId}/token': {
      post: operation(
        'A fresh ingest token for an active session (none while its identity waits to be confirmed)',
        ['student (own session)'],
        {
          parameters: [pathParam('sessionId')],
          response: ingestGrant,
        },
      ),
    },
    '/api/sessions/{sessionId}/verification': {
      post: operation(
        "Send the selfie taken at the start (JPEG, base64): compared with the candidate's reference photo, the same face verifies the session, another leaves it pending for a proctor",
        ['student (own session)'],
        {
          parameters: [pathParam('sessionId')],
          body: object({ jpeg: string }),
          response: object({
            verification: string,
            similarity: { type: 'number', nullable: true },
            threshold: { type: 'number' },
          }),
          extra: { 409: { description: 'Nothing to verify, or the session has ended' } },
        },
      ),
    },
    '/api/sessions/{sessionId}/verification/decision': {
      post: operation(
        "Approve (it starts) or refuse (it ends) a session waiting for its candidate's identity",
        watchers,
        {
          parameters: [pathParam('sessionId')],
          body: object({ decision: string, comment: string }, ['decision']),
          response: object({ verification: string }),
          extra: { 409: { description: 'The session is not waiting for its identity' } },
        },
      ),
    },
    '/api/sessions/{sessionId}/verification/photo': {
      get: operation('The selfie of the identity check (JPEG), decrypted; never cached', watchers, {
        parameters: [pathParam('sessionId')],
      }),
    },
    '/api/sessions/{sessionId}/end': {
      post: operation('End a session', ['student (own session)'], { parameters: [pathParam('sessionId')] }),
    },
    '/api/alerts': {
      get: operation("Alerts of the caller's exams, newest first, filtered and paged", watchers, {
        parameters: [
          queryParam('examId'),
          queryParam('sessionId'),
          queryParam('state', { type: 'string', enum: ['open', 'closed'] }),
          queryParam('reviewStatus', { type: 'string', enum: ['pending', 'confirmed', 'dismissed', 'escalated'] }),
          queryParam('severity', { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] }),
          queryParam('rule'),
          queryParam('from', dateTime),
          queryParam('to', dateTime),
          queryParam('limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
          queryParam('after'),
        ],
        response: object({ alerts: { type: 'array', items: ref('Alert') }, next: { type: 'string', nullable: true } }),
      }),
    },
    '/api/alerts/{alertId}': {
      get: operation("One alert with its history, proctors' decisions and evidence files", watchers, {
        parameters: [pathParam('alertId')],
        response: ref('Alert'),
      }),
    },
    '/api/alerts/{alertId}/review': {
      post: operation('Confirm, dismiss or escalate an alert, with a comment (audited)', ['proctor', 'admin'], {
        parameters: [pathParam('alertId')],
        body: object({ decision: { type: 'string', enum: ['confirm', 'dismiss', 'escalate'] }, comment: string }, [
          'decision',
        ]),
        response: ref('Alert'),
      }),
    },
    '/api/exams/{examId}/alerts/review': {
      post: operation(
        'Decide every alert of one rule in one exam still waiting for a decision (at most 2,000 a request; decided ones keep theirs): each audited and published like a single review',
        ['proctor', 'admin'],
        {
          parameters: [pathParam('examId')],
          body: object({ rule: string, decision: string, comment: string }, ['rule', 'decision']),
          response: object({ decided: integer, alertIds: { type: 'array', items: string } }),
        },
      ),
    },
    '/api/alerts/{alertId}/evidence/{kind}': {
      get: operation('An evidence file, decrypted (strip, thumbnail: JPEG; clip: MP4); never cached', watchers, {
        parameters: [pathParam('alertId'), pathParam('kind')],
      }),
    },
    '/api/sessions/{sessionId}/interventions': {
      post: operation(
        "Reaches the session's candidate: a message, a pause (the client covers the exam until resumed), a resume, or the end of the session (as ENDED from now: what was captured before is still taken), each with what the candidate is told (text, required but for resume); audited (session.intervention)",
        watchers,
        {
          parameters: [pathParam('sessionId')],
          body: object({ kind: { type: 'string', enum: ['message', 'pause', 'resume', 'end'] }, text: string }, [
            'kind',
          ]),
          response: ref('Intervention'),
          status: 201,
          extra: { 409: { description: 'The session has ended, is already paused, or is not paused' } },
        },
      ),
      get: operation(
        "The session's interventions, oldest first (a student sees their own, without who sent them)",
        everyone,
        {
          parameters: [pathParam('sessionId')],
          response: object({ interventions: { type: 'array', items: ref('Intervention') } }),
        },
      ),
    },
    '/api/sessions/{sessionId}/interventions/stream': {
      get: {
        ...operation(
          "Server-Sent Events for the session's candidate: `ready`, the last 100 interventions, then `intervention` as each is sent or acknowledged (an intervention may come twice: same id)",
          ['student (own sessions)'],
          { parameters: [pathParam('sessionId')] },
        ),
        responses: { 200: { description: 'An event stream', content: { 'text/event-stream': {} } }, ...errors },
      },
    },
    '/api/sessions/{sessionId}/interventions/{interventionId}/acknowledgement': {
      post: operation('The candidate acknowledges an intervention (again: no change)', ['student (own sessions)'], {
        parameters: [pathParam('sessionId'), pathParam('interventionId')],
        response: ref('Intervention'),
      }),
    },
    '/api/exams/{examId}/thumbnails': {
      get: operation(
        "The newest webcam thumbnail (JPEG, base64, at most 160 px) of each of the exam's sessions, those this API process received after `since` (epoch ms; `now` is the next request's); for the live wall",
        watchers,
        {
          parameters: [pathParam('examId'), queryParam('since', integer)],
          response: object({
            now: integer,
            thumbnails: {
              type: 'array',
              items: object({ sessionId: string, captureTime: integer, width: integer, height: integer, jpeg: string }),
            },
          }),
        },
      ),
    },
    '/api/live': {
      get: {
        ...operation(
          "Server-Sent Events: `alert` (an alert of the caller's exams changed, with the alert), `risk` (a session's new risk) and `intervention` (one sent or acknowledged)",
          watchers,
          { parameters: [queryParam('examId')] },
        ),
        responses: { 200: { description: 'An event stream', content: { 'text/event-stream': {} } }, ...errors },
      },
    },
    ...Object.fromEntries(
      (
        [
          ['signals-per-hour', 'Signals seen present per hour, detector and signal: inputs and sessions'],
          ['alert-outcomes', "Alerts opened per rule, with the proctors' latest decisions"],
          ['risk-distribution', 'Sessions per band of 10 points of their highest risk'],
        ] as const
      ).flatMap(([name, summary]) => [
        [
          `/api/exams/{examId}/analytics/${name}`,
          {
            get: operation(`${summary} (ClickHouse)`, managers, {
              parameters: [pathParam('examId'), queryParam('from', dateTime), queryParam('to', dateTime)],
              response: object({ examId: string, rows: { type: 'array', items: { type: 'object' } } }),
            }),
          },
        ],
        [
          `/api/analytics/${name}`,
          {
            get: operation(`${summary}, over every exam the caller manages (ClickHouse)`, managers, {
              parameters: [queryParam('from', dateTime), queryParam('to', dateTime)],
              response: object({ exams: integer, rows: { type: 'array', items: { type: 'object' } } }),
            }),
          },
        ],
      ]),
    ),
    '/api/users/{userId}/export': {
      get: operation('Everything kept about one candidate, as a JSON download (GDPR access)', ['admin'], {
        parameters: [pathParam('userId')],
      }),
    },
    '/api/users/{userId}/data': {
      delete: operation(
        'Erase one candidate: sessions, alerts, evidence, analytics; the account anonymised',
        ['admin'],
        {
          parameters: [pathParam('userId')],
          response: object({ sessions: integer }),
        },
      ),
    },
    '/api/admin/retention': {
      post: operation(
        'Run the retention job now: erase exams past their retention, drop old ClickHouse days',
        ['admin'],
        {
          response: object({ purgedExams: { type: 'array', items: string }, droppedPartitions: integer }),
        },
      ),
    },
    '/api/audit': {
      get: operation('The audit log, newest first: who did what to what, when, with before and after', ['admin'], {
        parameters: [
          queryParam('entityType', { type: 'string', enum: ['alert', 'exam', 'user'] }),
          queryParam('entityId'),
          queryParam('actorId'),
          queryParam('limit', { type: 'integer', minimum: 1, maximum: 500, default: 100 }),
          queryParam('before', { type: 'integer', description: 'The `next` of the previous page' }),
        ],
        response: object({ entries: { type: 'array', items: { type: 'object' } }, next: integer }),
      }),
    },
    '/api/openapi.json': { get: operation('This document', []) },
  },
};
