export { type Session, type SessionLimits, SessionTable } from './table.ts';
