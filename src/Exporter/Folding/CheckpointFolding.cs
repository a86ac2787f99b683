using Cltool.Core.Adapters;
using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>Turns any stage's checkpoint into the weights of one plain ViT with a linear head: no adapters, no task id.</summary>
public static class CheckpointFolding
{
    /// <summary>The backbone with the method family's adapter folded in (<see cref="IAdapterState.FoldInto"/>), and the head.</summary>
    public static Dictionary<string, HostTensor> DenseWeights(ContinualCheckpoint checkpoint)
    {
        Dictionary<string, HostTensor> weights = BaseWeights(checkpoint);
        checkpoint.Adapter?.FoldInto(weights);
        return weights;
    }

    /// <summary>The backbone and head as trained, and the adapters as separate branches (export --no-merge).</summary>
    public static (Dictionary<string, HostTensor> Weights, IReadOnlyList<QkvLowRankBranch> Branches) Unmerged(ContinualCheckpoint checkpoint) =>
        (BaseWeights(checkpoint), checkpoint.Adapter?.Branches() ?? []);

    static Dictionary<string, HostTensor> BaseWeights(ContinualCheckpoint checkpoint)
    {
        var weights = checkpoint.Backbone.ToDictionary(pair => pair.Key, pair => new HostTensor((float[])pair.Value.Data.Clone(), pair.Value.Shape));
        weights["head.weight"] = checkpoint.HeadWeight;
        weights["head.bias"] = checkpoint.HeadBias;
        return weights;
    }
}
