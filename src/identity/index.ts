export { authenticateNone } from './none.ts';
