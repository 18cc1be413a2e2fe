/**
 * Public surface of the matching engine (自动对账 / 收款核销). Pure: no I/O. See ./README.md.
 */
export { allocateAdvice } from './advice';
export { allocateToSet, compareOldest, oldestFirst } from './allocate';
export { DuplicateDetector } from './duplicates';
export { isBooking, type MatchContext, Matcher, matchLines } from './engine';
export { MatchMemory, type MemoryEvent, type MemorySnapshot } from './memory';
export { nameKeys, normalizeAccount } from './normalize';
export { type PartyCandidate, PartyIndex } from './payer';
export { RefIndex } from './references';
export { classifyStranger } from './strangers';
export { prefixMatch, subsetSum } from './subset';
export { discountFor, feeTolerance, matchDiscount, matchFee } from './tolerance';
export * from './types';
