using Cltool.Core.Weights;

namespace Cltool.Core.Adapters;

/// <summary>
/// A method family's adapter as a checkpoint holds it, without libtorch: what it stores, how it becomes dense ViT
/// weights (export --merge) or separate low-rank branches (export --no-merge), and how inspect tables it. The tensor
/// names it writes are its family's (<see cref="IAdapterFamily"/>), which reads them back.
/// </summary>
public interface IAdapterState
{
    void WriteTo(SafeTensorsWriter writer);

    /// <summary>Adds the adapter to a plain ViT's weights (timm names) in place: float64 sums, cast to float32 once.</summary>
    void FoldInto(IDictionary<string, HostTensor> weights);

    /// <summary>The same update as low-rank branches on each block's fused qkv.</summary>
    IReadOnlyList<QkvLowRankBranch> Branches();

    /// <summary>What inspect prints of it.</summary>
    AdapterTable Describe();
}
