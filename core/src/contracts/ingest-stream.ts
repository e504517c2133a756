/**
 * The ingest stream's WebSocket subprotocol. A browser cannot set an Authorization header on a
 * WebSocket, so it offers its ingest token as a second subprotocol, `bearer.<token>` (a JWT is
 * made of characters a subprotocol may hold); the gateway answers with this one, never echoing
 * the token.
 */
export const ingestStreamProtocol = 'proctoflex.ingest.v1';
export const bearerProtocolPrefix = 'bearer.';
