/**
 * Files sent as base64 in a JSON body (POST /api/statements/import, /api/einvoices/import): the
 * route's body limit sized to the import limit, a 413 in our error shape when Fastify refuses a
 * body over it, and the decoding that refuses an oversized file from its encoded length first.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../services/errors';
import { errorBody, type ZApp } from './http';

/** Route options for a JSON body carrying a file of at most maxBytes base64-encoded. */
export function uploadRouteOptions(app: ZApp, maxBytes: number) {
  return {
    // The JSON body carries the file base64-encoded: 4/3 of its size plus a little.
    bodyLimit: Math.ceil((maxBytes * 4) / 3) + 64 * 1024,
    // A body over that limit is refused by Fastify before it is read; say so in our terms.
    errorHandler: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.code(413).send(errorBody('file_too_large', `the request is larger than the import limit of ${maxBytes} bytes (SHOUFU_IMPORT_MAX_MB)`));
      }
      return app.errorHandler(err, req, reply);
    },
  };
}

/** The file's bytes; refuses an oversized file (413) from its encoded length, before decoding it. */
export function decodeUpload(contentBase64: string, maxBytes: number): Buffer {
  const decodedSize = Math.floor((contentBase64.replace(/[^A-Za-z0-9+/]/g, '').length * 3) / 4);
  if (decodedSize > maxBytes) {
    throw new AppError(413, 'file_too_large', `the file has about ${decodedSize} bytes, more than the import limit of ${maxBytes} bytes`);
  }
  if (!/^[A-Za-z0-9+/=\s]+$/.test(contentBase64)) {
    throw new AppError(400, 'invalid_base64', 'contentBase64 is not base64');
  }
  return Buffer.from(contentBase64, 'base64');
}
