// asl-validator ships no types.
declare module 'asl-validator' {
  interface AslValidationError {
    message: string;
    [key: string]: unknown;
  }
  interface AslValidationResult {
    isValid: boolean;
    errors: AslValidationError[];
    errorsText(separator?: string): string;
  }
  function aslValidator(definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }): AslValidationResult;
  export = aslValidator;
}
