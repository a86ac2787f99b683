using System.Diagnostics;
using Cltool.Core.Models;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// The reference rates a training step is compared with, timed on this machine: a matmul of the model's MLP shape, and
/// every matmul of the step at its own shape. FLOPs are counted analytically (a multiply-add is 2 FLOPs): the forward
/// pass's matmuls and attention; a step is forward + backward = 2 forwards when the backbone is frozen (gradients
/// w.r.t. activations only, plus the LoRA factors' own) and 3 forwards for full fine-tuning (weight gradients too).
/// </summary>
public static class TrainStepBenchmark
{
    public static double MatmulGflops(ViTConfig config, int batchSize, int repeats = 20)
    {
        long rows = (long)batchSize * config.Tokens;
        double seconds = Seconds([([rows, config.Dim], [config.Dim, config.MlpHidden])], repeats);
        return 2.0 * rows * config.Dim * config.MlpHidden / seconds / 1e9;
    }

    /// <summary>
    /// The wall time of one frozen-backbone step's matmuls alone, each at its own shape (the patch embedding, per block
    /// qkv, the attention's two batched products, the projection and the MLP, forward and their input gradients):
    /// what the step would cost if everything between the matmuls (LayerNorm, softmax, GELU, reshapes, autograd's
    /// bookkeeping, the optimizer) were free.
    /// </summary>
    public static TimeSpan FrozenStepGemms(ViTConfig config, int batchSize, int repeats = 10)
    {
        long tokens = (long)batchSize * config.Tokens, d = config.Dim, h = config.MlpHidden, n = config.Tokens, hd = config.HeadDim;
        long heads = (long)batchSize * config.Heads, patchIn = (long)config.Channels * config.PatchSize * config.PatchSize;
        var block = new List<(long[] A, long[] B)>
        {
            ([tokens, d], [d, 3 * d]), ([heads, n, hd], [heads, hd, n]), ([heads, n, n], [heads, n, hd]), ([tokens, d], [d, d]),
            ([tokens, d], [d, h]), ([tokens, h], [h, d]),
            // Input gradients: each linear's transposed product, and the attention's four products.
            ([tokens, 3 * d], [3 * d, d]), ([heads, n, n], [heads, n, hd]), ([heads, n, n], [heads, n, hd]), ([heads, n, hd], [heads, hd, n]),
            ([heads, n, n], [heads, n, hd]), ([tokens, d], [d, d]), ([tokens, h], [h, d]), ([tokens, d], [d, h]),
        };
        double perBlock = Seconds(block, repeats);
        double patchEmbed = Seconds([([(long)batchSize * config.PatchCount, patchIn], [patchIn, d])], repeats);
        return TimeSpan.FromSeconds(config.Depth * perBlock + patchEmbed);
    }

    /// <summary>Forward FLOPs of one image: patch embedding, per block qkv + attention + projection + MLP (+ LoRA of total rank R on q and v).</summary>
    public static double ForwardFlops(ViTConfig config, int loraRank)
    {
        double n = config.Tokens, d = config.Dim, patches = n - 1;
        double patchEmbed = 2 * patches * config.Channels * config.PatchSize * config.PatchSize * d;
        double block = 2 * n * d * 3 * d + 2 * 2 * n * n * d + 2 * n * d * d + 2 * 2 * n * d * config.MlpHidden + 2 * 2 * 2 * n * d * loraRank;
        return patchEmbed + config.Depth * block;
    }

    /// <summary>Seconds for one pass over <paramref name="products"/> (random operands), the median of timed passes after warm-up.</summary>
    static double Seconds(IReadOnlyList<(long[] A, long[] B)> products, int repeats)
    {
        using var scope = NewDisposeScope();
        var operands = products.Select(p => (A: randn(p.A), B: randn(p.B))).ToArray();
        void Pass() { foreach ((Tensor a, Tensor b) in operands) a.matmul(b).Dispose(); }
        for (int i = 0; i < 3; i++) Pass();
        var passes = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Pass();
            passes[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return passes.Order().ElementAt(repeats / 2);
    }
}
