using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>
/// C-LoRA: per block, each target projection's rows of the fused qkv weight get Up·(R_old + R_δ)·Down, accumulated in
/// float64 and cast to float32 once. Unmerged, the routing is folded into the up-projection (Up·R, float64 then float32):
/// one rank-r branch per target, the same cost as the dense graph's LoRA branch of any single-LoRA method.
/// </summary>
sealed class RoutedLoraFold : IAdapterFold
{
    public IReadOnlyCollection<string> MethodNames { get; } = [Methods.CLora];

    public void FoldInto(ContinualCheckpoint checkpoint, Dictionary<string, HostTensor> weights)
    {
        int dim = checkpoint.Config.Dim;
        int[] rowBlocks = checkpoint.Recipe.EffectiveClora.RowBlocks;
        for (int block = 0; block < checkpoint.Config.Depth; block++)
        {
            HostTensor qkv = weights[$"blocks.{block}.attn.qkv.weight"];
            for (int t = 0; t < rowBlocks.Length; t++)
            {
                var delta = new double[dim * dim];
                Modules(checkpoint)[block][t].AddProductTo(delta);
                QkvRows.Add(qkv, rowBlocks[t], delta);
            }
        }
    }

    public IReadOnlyList<QkvLowRankBranch> Branches(ContinualCheckpoint checkpoint)
    {
        int[] rowBlocks = checkpoint.Recipe.EffectiveClora.RowBlocks;
        var packed = Modules(checkpoint).Select(block => QkvLowRankBranch.Pack(
            block.Select((module, t) => new QkvLowRankBranch.Part(rowBlocks[t], new LoraFactors(module.Down,
                module.Up with { Data = module.RoutedUp().Select(v => (float)v).ToArray() }))).ToArray(), checkpoint.Config.Dim)).ToArray();
        return [new QkvLowRankBranch(0, packed.Select(p => p.Down).ToArray(), packed.Select(p => p.Up).ToArray(), 1, new HostTensor?[packed.Length])];
    }

    static RoutedLoraModule[][] Modules(ContinualCheckpoint checkpoint) =>
        checkpoint.Routed?.Modules ?? throw new InvalidOperationException("A clora checkpoint without its routed adapter.");
}
