using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>How one family of methods turns its adapters into dense weight updates. New methods plug in here.</summary>
public interface IAdapterFold
{
    IReadOnlyCollection<string> MethodNames { get; }

    /// <summary>Adds the checkpoint's adapters to <paramref name="weights"/> (timm names) in place.</summary>
    void FoldInto(ContinualCheckpoint checkpoint, Dictionary<string, HostTensor> weights);

    /// <summary>The same adapters as separate low-rank branches (export --no-merge).</summary>
    IReadOnlyList<QkvLowRankBranch> Branches(ContinualCheckpoint checkpoint);
}
