using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>
/// One low-rank branch on every block's fused qkv, left unmerged: qkv += magnitude · (x·Down)·Up, with Down [dim, r]
/// and Up [r, 3·dim] per block (zero in the columns the adapter does not touch, as PEFT's merged-qkv LoRA).
/// </summary>
public sealed record QkvLowRankBranch(int Index, IReadOnlyList<HostTensor> Down, IReadOnlyList<HostTensor> Up, float Magnitude);
