using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Routed;

/// <summary>
/// C-LoRA's adapter in a checkpoint: one <see cref="RoutedLoraModule"/> per block and target projection
/// (<c>Modules[block][target]</c>, targets in the order of <see cref="CLoraSettings.TargetNames"/>). Folded, each target's
/// rows of the fused qkv weight get Up·(R_old + R_δ)·Down, accumulated in float64 and cast to float32 once; unmerged, the
/// routing is folded into the up-projection (Up·R, float64 then float32): one rank-r branch per target, the same cost as
/// the dense graph's LoRA branch of any single-LoRA method.
/// </summary>
public sealed record RoutedLora(RoutedLoraModule[][] Modules, CLoraSettings Settings) : IAdapterState
{
    public long Parameters => Modules.Sum(block => block.Sum(module => module.Parameters));

    public void WriteTo(SafeTensorsWriter writer)
    {
        string[] targets = Settings.TargetNames;
        for (int block = 0; block < Modules.Length; block++)
        {
            for (int t = 0; t < targets.Length; t++)
            {
                RoutedLoraModule module = Modules[block][t];
                void Add(string part, HostTensor tensor) => writer.Add(RoutedFamily.PartName(block, targets[t], part), tensor.Data, tensor.Shape);
                Add(RoutedFamily.Down, module.Down);
                Add(RoutedFamily.Up, module.Up);
                Add(RoutedFamily.RoutingOld, module.RoutingOld);
                if (module.RoutingDelta is { } delta) Add(RoutedFamily.RoutingDelta, delta);
            }
        }
    }

    public void FoldInto(IDictionary<string, HostTensor> weights)
    {
        int[] rowBlocks = Settings.RowBlocks;
        for (int block = 0; block < Modules.Length; block++)
        {
            HostTensor qkv = weights[$"blocks.{block}.attn.qkv.weight"];
            for (int t = 0; t < rowBlocks.Length; t++)
            {
                RoutedLoraModule module = Modules[block][t];
                var delta = new double[module.Dim * module.Dim];
                module.AddProductTo(delta);
                QkvRows.Add(qkv, rowBlocks[t], delta);
            }
        }
    }

    public IReadOnlyList<QkvLowRankBranch> Branches()
    {
        int[] rowBlocks = Settings.RowBlocks;
        var packed = Modules.Select(block => QkvLowRankBranch.Pack(
            block.Select((module, t) => new QkvLowRankBranch.Part(rowBlocks[t], new LoraFactors(module.Down,
                module.Up with { Data = module.RoutedUp().Select(v => (float)v).ToArray() }))).ToArray(), block[0].Dim)).ToArray();
        return [new QkvLowRankBranch(0, packed.Select(p => p.Down).ToArray(), packed.Select(p => p.Up).ToArray(), 1, new HostTensor?[packed.Length])];
    }

    /// <summary>Per block: the size of each target's routing and of the weight update it makes.</summary>
    public AdapterTable Describe()
    {
        string[] targets = Settings.TargetNames;
        var rows = Modules.Select((block, b) => new[] { $"{b}" }.Concat(block.SelectMany(module =>
        {
            var delta = new double[module.Dim * module.Dim];
            module.AddProductTo(delta);
            return new[] { $"{Math.Sqrt(module.RoutingOld.Data.Sum(v => (double)v * v)):F4}", $"{Math.Sqrt(delta.Sum(v => v * v)):F4}" };
        })).ToArray()).ToArray();
        return new AdapterTable($"rank {Modules[0][0].Rank}, {Parameters:N0} parameters stored",
            ["block", .. targets.SelectMany(target => new[] { $"{target}: ‖R_old‖_F", $"{target}: ‖ΔW‖_F" })], rows);
    }
}
