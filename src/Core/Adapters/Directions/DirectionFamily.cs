using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Directions;

/// <summary>
/// SD-LoRA (every variant), seq-lora and joint: low-rank directions on the q and v rows with one magnitude each
/// (<see cref="DirectionSet"/>). Checkpoint names: <c>magnitudes</c> [n]; per direction i <c>lora.i.norms</c> and, from
/// version 2, <c>lora.i.offsets</c> [depth, 2]; per block and projection <c>lora.i.blocks.b.attn.{q,v}.{lora_A,lora_B}</c>.
/// </summary>
public sealed class DirectionFamily : IAdapterFamily
{
    public static readonly DirectionFamily Family = new();

    /// <summary>The adapted projections in index order: 0 is q (row block 0 of qkv), 1 is v (row block 2).</summary>
    public static readonly (string Name, int RowBlock)[] Projections = [("q", 0), ("v", 2)];

    public const string MagnitudesName = "magnitudes";

    public string Name => "directions";

    public static string FactorName(int direction, int block, int projection, bool up) =>
        $"lora.{direction}.blocks.{block}.attn.{Projections[projection].Name}.{(up ? "lora_B" : "lora_A")}";

    public static string NormsName(int direction) => $"lora.{direction}.norms";

    public static string OffsetsName(int direction) => $"lora.{direction}.offsets";

    public IAdapterState? Read(SafeTensorsFile file, TrainRecipe recipe, ViTConfig config)
    {
        if (!file.Contains(MagnitudesName)) return null;
        float[] magnitudes = file.ReadFloats(MagnitudesName);
        var directions = Enumerable.Range(0, magnitudes.Length).Select(i => ReadDirection(file, i, config.Depth)).ToArray();
        return new DirectionSet(directions, magnitudes.Select(m => (double)m).ToArray());
    }

    static LoraDirection ReadDirection(SafeTensorsFile file, int i, int depth)
    {
        LoraFactors[] Factors(int projection) => Enumerable.Range(0, depth).Select(block =>
            new LoraFactors(file.ReadRequired(FactorName(i, block, projection, up: false)), file.ReadRequired(FactorName(i, block, projection, up: true)))).ToArray();
        return new LoraDirection(Factors(0), Factors(1), Grid(file, NormsName(i), depth),
                                 file.Contains(OffsetsName(i)) ? Grid(file, OffsetsName(i), depth) : null);
    }

    /// <summary>A [depth, 2] grid of per-module numbers.</summary>
    static float[,] Grid(SafeTensorsFile file, string name, int depth)
    {
        float[] values = file.ReadRequired(name).Data;
        if (values.Length != depth * 2)
            throw new CltoolException($"'{file.Path}' tensor '{name}' has {values.Length} values; expected depth × 2 = {depth * 2}.");
        var grid = new float[depth, 2];
        Buffer.BlockCopy(values, 0, grid, 0, sizeof(float) * values.Length);
        return grid;
    }
}
