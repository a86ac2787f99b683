using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>Turns any stage's checkpoint into the weights of one plain ViT with a linear head: no adapters, no task id.</summary>
public static class CheckpointFolding
{
    static readonly IAdapterFold[] Folds = [new LoraDirectionFold(), new RoutedLoraFold(), new NothingToFold()];

    public static Dictionary<string, HostTensor> DenseWeights(ContinualCheckpoint checkpoint)
    {
        IAdapterFold fold = FoldOf(checkpoint);
        Dictionary<string, HostTensor> weights = BaseWeights(checkpoint);
        fold.FoldInto(checkpoint, weights);
        return weights;
    }

    /// <summary>The backbone and head as trained, and the adapters as separate branches (export --no-merge).</summary>
    public static (Dictionary<string, HostTensor> Weights, IReadOnlyList<QkvLowRankBranch> Branches) Unmerged(ContinualCheckpoint checkpoint) =>
        (BaseWeights(checkpoint), FoldOf(checkpoint).Branches(checkpoint));

    static IAdapterFold FoldOf(ContinualCheckpoint checkpoint) =>
        Folds.FirstOrDefault(f => f.MethodNames.Contains(checkpoint.Method))
        ?? throw new CltoolException($"The exporter does not know how to fold method '{checkpoint.Method}' " +
                                     $"(it knows {string.Join(", ", Folds.SelectMany(f => f.MethodNames))}).");

    static Dictionary<string, HostTensor> BaseWeights(ContinualCheckpoint checkpoint)
    {
        var weights = checkpoint.Backbone.ToDictionary(pair => pair.Key, pair => new HostTensor((float[])pair.Value.Data.Clone(), pair.Value.Shape));
        weights["head.weight"] = checkpoint.HeadWeight;
        weights["head.bias"] = checkpoint.HeadBias;
        return weights;
    }
}
