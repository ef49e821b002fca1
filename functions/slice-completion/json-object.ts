// A JSON object as JSON.parse gives it: what an event, a slice and their nested objects are.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
