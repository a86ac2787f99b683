using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Routed;

/// <summary>
/// C-LoRA (checkpoint version 3): per block and target projection t (the recipe's <see cref="CLoraSettings.TargetNames"/>)
/// <c>clora.blocks.b.attn.t.{lora_A, lora_B, routing_old}</c> and, mid-task only, <c>routing_delta</c>.
/// </summary>
public sealed class RoutedFamily : IAdapterFamily
{
    public static readonly RoutedFamily Family = new();

    public const string Down = "lora_A", Up = "lora_B", RoutingOld = "routing_old", RoutingDelta = "routing_delta";

    public string Name => "routed";

    public static string PartName(int block, string target, string part) => $"clora.blocks.{block}.attn.{target}.{part}";

    /// <summary>Every module, each shape checked against the recipe's rank and the config's width.</summary>
    public IAdapterState? Read(SafeTensorsFile file, TrainRecipe recipe, ViTConfig config)
    {
        int rank = recipe.Rank, dim = config.Dim;
        CLoraSettings settings = recipe.EffectiveClora;
        HostTensor Part(int block, string target, string part, long[] shape) =>
            file.ReadShaped(PartName(block, target, part), shape, "C-LoRA", $"rank {rank}, width {dim}");
        return new RoutedLora(Enumerable.Range(0, config.Depth).Select(block => settings.TargetNames.Select(target => new RoutedLoraModule(
            Part(block, target, Down, [rank, dim]), Part(block, target, Up, [dim, rank]), Part(block, target, RoutingOld, [rank, rank]),
            file.Contains(PartName(block, target, RoutingDelta)) ? Part(block, target, RoutingDelta, [rank, rank]) : null)).ToArray()).ToArray(),
            settings);
    }
}
