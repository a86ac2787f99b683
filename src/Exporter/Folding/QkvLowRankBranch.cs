using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>
/// One low-rank branch on every block's fused qkv, left unmerged: qkv += magnitude · (x·Down)·Up, with Down [dim, r]
/// and Up [r, 3·dim] per block (zero in the columns the adapter does not touch, as PEFT's merged-qkv LoRA). Where
/// SD-LoRA-KD gave the block offsets, RankOffsets [r] holds each rank's (its projection's) offset and the branch is
/// ((x·Down)·(magnitude + RankOffsets))·Up; a block with r = 0 (absorbed in q and v) has no branch.
/// </summary>
public sealed record QkvLowRankBranch(int Index, IReadOnlyList<HostTensor> Down, IReadOnlyList<HostTensor> Up, float Magnitude,
                                      IReadOnlyList<HostTensor?> RankOffsets);
