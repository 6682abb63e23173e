import { publicApi } from '#shared/http/public-api.ts';
import { openApiDocument } from '#shared/http/openapi.ts';

/** GET /v1/openapi.json: the OpenAPI 3.1 document, generated from the handlers' zod schemas. */
const document = openApiDocument();
export const handler = publicApi(async () => ({ status: 200, body: document }));
