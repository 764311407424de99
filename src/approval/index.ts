// Just-in-time approval (issue 5): requests, decisions, grants, held calls, notifier. Named exports only.

export { argumentsDigest } from './digest.ts';
export {
  createWebhookNotifier,
  notificationBody,
  postNotification,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  type WebhookOptions,
} from './notifier.ts';
export { createApprovals } from './service.ts';
export { declaresTasks, TASKS_EXTENSION } from './tasks.ts';
export type { ApprovalDeps, ApprovalView, GatewayApprovals, Vote } from './types.ts';
