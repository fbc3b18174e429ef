import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';

/** A random id for objects addressed by name (resources, roles). */
export const newId = (): string => uuidv4();

/**
 * A time-ordered id (UUIDv7) for objects listed newest first (sessions, jobs): sorting their keys
 * sorts them by creation time, so a Query in reverse order lists them newest first.
 */
export const newTimeOrderedId = (): string => uuidv7();
