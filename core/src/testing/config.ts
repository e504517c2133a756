import { parsers, variable } from '../config.ts';

/** Variables of the fixture stages (testing/stages.ts), set by the tests that spawn them. */
export const fixtureSpec = {
  FIXTURE_INPUT_TOPIC: variable(parsers.text, 'Topic the fixture reads.'),
  FIXTURE_OUTPUT_TOPIC: variable(parsers.text, 'Topic the copy fixture writes.', 'none'),
  FIXTURE_TABLE_TOPIC: variable(parsers.text, 'Table the lookup fixture reads (ExamPolicy by examId).', 'none'),
  FIXTURE_SCHEMA: variable(parsers.text, 'Avro schema of the records the copy fixture writes.', 'SessionEvent'),
  FIXTURE_HANDLER_DELAY_MS: variable(
    parsers.nonNegativeInt,
    'How long each call of the copy fixture takes (a slow model), in milliseconds.',
    '0',
  ),
};
