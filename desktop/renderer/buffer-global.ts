import { Buffer } from 'buffer';

// The Avro encoder and the ingest client work on Node's Buffer: in a browser, the `buffer`
// package's, the one avsc itself imports. Imported first, before any module that uses it.
(globalThis as { Buffer?: unknown }).Buffer ??= Buffer;
