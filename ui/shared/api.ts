/** A failed request, with the one-line message the server sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GET a JSON document from this page's own server. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, headers: { accept: 'application/json' } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `${res.status} ${res.statusText}: not JSON`);
  }
  if (!res.ok) throw new ApiError(res.status, (body as { error?: string }).error ?? `${res.status} ${res.statusText}`);
  return body as T;
}
