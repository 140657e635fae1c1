/** RFC 7252 §12.1.2 response codes and the snake_case names EMQX publishes as `codeMsg`. */
const CODE_NAMES: Readonly<Record<string, string>> = {
  '2.01': 'created',
  '2.02': 'deleted',
  '2.03': 'valid',
  '2.04': 'changed',
  '2.05': 'content',
  '2.31': 'continue',
  '4.00': 'bad_request',
  '4.01': 'unauthorized',
  '4.02': 'bad_option',
  '4.03': 'forbidden',
  '4.04': 'not_found',
  '4.05': 'method_not_allowed',
  '4.06': 'not_acceptable',
  '4.08': 'request_entity_incomplete',
  '4.12': 'precondition_failed',
  '4.13': 'request_entity_too_large',
  '4.15': 'unsupported_content_format',
  '5.00': 'internal_server_error',
  '5.01': 'not_implemented',
  '5.02': 'bad_gateway',
  '5.03': 'service_unavailable',
  '5.04': 'gateway_timeout',
  '5.05': 'proxying_not_supported',
};

/** `codeMsg` for a "c.dd" code; unknown codes get `unknown_<c.dd>`. */
export function codeName(code: string): string {
  return CODE_NAMES[code] ?? `unknown_${code}`;
}

export function isSuccessCode(code: string): boolean {
  return code.startsWith('2.');
}

export const CoapCode = {
  GET: '0.01',
  POST: '0.02',
  PUT: '0.03',
  DELETE: '0.04',
  CREATED: '2.01',
  DELETED: '2.02',
  CHANGED: '2.04',
  CONTENT: '2.05',
  BAD_REQUEST: '4.00',
  NOT_FOUND: '4.04',
  METHOD_NOT_ALLOWED: '4.05',
  REQUEST_ENTITY_TOO_LARGE: '4.13',
  INTERNAL_SERVER_ERROR: '5.00',
  SERVICE_UNAVAILABLE: '5.03',
} as const;
