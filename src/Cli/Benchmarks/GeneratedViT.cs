using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// A base ViT of any preset's shape with generated weights in timm's layout, for speed measurements where no trained
/// model of that size exists here (ViT-B/16 on a GPU). Every tensor is tiled from one seeded table of 4,096 values in
/// ±0.02: the runtime's speed does not depend on the values, and a tiled file compresses to almost nothing, so a
/// 344 MB ViT-B/16 travels to a GPU machine in one small part.
/// </summary>
public static class GeneratedViT
{
    public static ModelFile Base(ViTConfig shape, int seed = 1993)
    {
        ViTConfig config = shape.WithClasses(0);
        var random = new Random(seed);
        float[] table = Enumerable.Range(0, 4096).Select(_ => (float)((random.NextDouble() * 2 - 1) * 0.02)).ToArray();
        HostTensor Tiled(long[] shape) =>
            new(Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => table[i % table.Length]).ToArray(), shape);
        // LayerNorm scales of 1 keep activations at a sane size through every block.
        HostTensor Weight(string name, long[] shape) => name.Contains("norm", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal)
            ? new HostTensor(Enumerable.Repeat(1f, (int)shape[0]).ToArray(), shape)
            : Tiled(shape);
        return new ModelFile(config, Preprocessing.Native(config.ImageSize), [],
            config.ExpectedTensors().ToDictionary(t => t.Name, t => Weight(t.Name, t.Shape)));
    }
}
