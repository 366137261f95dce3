export { EMPTY_ROOT, HASH_BYTES, hashChildren, hashLeaf, sha256, type Hash } from "./hash.js";
export { Frontier } from "./frontier.js";
export {
  consistencyProof,
  consistencyProofRanges,
  inclusionPathRanges,
  inclusionProof,
  inclusionProofLength,
  subtreeRoot,
  verifyConsistency,
  verifyInclusion,
  type LeafRange,
  type ProofCheck,
} from "./proofs.js";
