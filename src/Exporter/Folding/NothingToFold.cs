using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>Methods whose checkpoint already is a plain ViT with a linear head (full fine-tuning, SimpleCIL).</summary>
sealed class NothingToFold : IAdapterFold
{
    public IReadOnlyCollection<string> MethodNames { get; } = [Methods.FullFineTune, Methods.SimpleCil];

    public void FoldInto(ContinualCheckpoint checkpoint, Dictionary<string, HostTensor> weights) { }

    public IReadOnlyList<QkvLowRankBranch> Branches(ContinualCheckpoint checkpoint) => [];
}
