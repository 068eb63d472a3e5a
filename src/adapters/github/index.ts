export {
  DEFAULT_GITHUB_API_URL,
  createPrCommenter,
  findMarkedComment,
  upsertMarkedComment,
  type PrCommenter,
  type PrCommentTarget,
  type UpsertResult,
} from './pr-comment.js';
