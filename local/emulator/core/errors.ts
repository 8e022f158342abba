import { ArmError } from './contract';

export { ArmError };

export function errorBody(error: ArmError): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.target !== undefined ? { target: error.target } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
    },
  };
}

export const armErrors = {
  missingApiVersion: () =>
    new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."),
  authenticationFailed: () =>
    new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."),
  invalidRequestContent: (detail: string) =>
    new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${detail}'.`),
  noRoute: (method: string, path: string) =>
    new ArmError(404, 'InvalidResourceType', `The resource type could not be found for ${method} '${path}' in this emulator.`),
  methodNotAllowed: (method: string) => new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported for this resource.`),
  internal: (message: string) => new ArmError(500, 'InternalServerError', message),
};
