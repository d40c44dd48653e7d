/** An error the API answers with Toxiproxy's status and message (`{"error":…,"status":…}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: 'proxy' | 'toxic') => new ApiError(404, `${what} not found`);
export const badBody = (detail: string) => new ApiError(400, `bad request body: ${detail}`);
