using Cltool.Trainer.Adapters.Directions;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Native;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>The adapter against an explicit dense computation in float64, written out independently here.</summary>
public sealed class LoraQkvAdapterTests
{
    const int Dim = 24, Depth = 2;

    const int Stacked = int.MaxValue, Folded = 1, FoldedOnceAndCached = 0;

    [Theory]
    [InlineData(false, Stacked)]
    [InlineData(true, Stacked)]
    [InlineData(false, Folded)]
    [InlineData(true, Folded)]
    [InlineData(false, FoldedOnceAndCached)]
    [InlineData(true, FoldedOnceAndCached)]
    public void Qkv_output_equals_the_dense_weight_plus_every_scaled_direction(bool paper, int foldFromRank)
    {
        using var adapter = TwoDirections(paper, foldFromRank);
        // Fixed magnitudes (a finished stage served eagerly): the frozen directions fold once and the fold is reused.
        if (foldFromRank == FoldedOnceAndCached) adapter.SetMagnitudes([1.3, -0.4], trainable: false);

        var random = new Random(5);
        double[] weight = Enumerable.Range(0, 3 * Dim * Dim).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] bias = Enumerable.Range(0, 3 * Dim).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] x = Enumerable.Range(0, 2 * 5 * Dim).Select(_ => random.NextDouble() - 0.5).ToArray();
        var directions = adapter.Export();
        double[] magnitudes = [1.3, -0.4];

        for (int block = 0; block < Depth; block++)
        {
            // Dense: W' = W + Σ_i α_i · B_i A_i / n_i on the q rows and the v rows, n_i as the variant defines it.
            double[] dense = (double[])weight.Clone();
            for (int i = 0; i < 2; i++)
            {
                bool live = i == 1;
                foreach ((int rows, var factors) in new[] { (0, directions[i].Query[block]), (2 * Dim, directions[i].Value[block]) })
                {
                    double[,] delta = Product(factors.B.Data, factors.A.Data, (int)factors.Rank);
                    double n = live && !paper ? 1
                        : paper ? Frobenius(delta)
                        : Math.Sqrt(factors.B.Data.Sum(v => (double)v * v)) * Math.Sqrt(factors.A.Data.Sum(v => (double)v * v));
                    for (int r = 0; r < Dim; r++)
                        for (int c = 0; c < Dim; c++) dense[(rows + r) * Dim + c] += magnitudes[i] * delta[r, c] / n;
                }
            }
            using Tensor input = tensor(x.Select(v => (float)v).ToArray(), [2, 5, Dim]);
            using Tensor w = tensor(weight.Select(v => (float)v).ToArray(), [3 * Dim, Dim]);
            using Tensor b = tensor(bias.Select(v => (float)v).ToArray(), [3 * Dim]);
            if (foldFromRank == FoldedOnceAndCached) nn.functional.linear(input, adapter.QkvWeight(block, w), b).Dispose();
            using Tensor qkv = nn.functional.linear(input, adapter.QkvWeight(block, w), b);
            using Tensor actual = adapter.Apply(block, input, qkv).detach();
            float[] got = actual.data<float>().ToArray();

            double maxDiff = 0;
            for (int token = 0; token < 10; token++)
            {
                for (int o = 0; o < 3 * Dim; o++)
                {
                    double expected = bias[o];
                    for (int c = 0; c < Dim; c++) expected += dense[o * Dim + c] * x[token * Dim + c];
                    maxDiff = Math.Max(maxDiff, Math.Abs(expected - got[token * 3 * Dim + o]));
                }
            }
            Assert.True(maxDiff < 1e-5, $"block {block}: max |difference| {maxDiff:E2}");
        }
    }

    [Fact]
    public void Frozen_directions_folded_into_the_weight_give_the_stacked_path_s_gradients()
    {
        float[][] Gradients(int foldFromRank)
        {
            using var adapter = TwoDirections(paper: true, foldFromRank);
            using var scope = NewDisposeScope();
            using var generator = new Generator(21, CPU);
            Tensor x = randn([2, 5, Dim], generator: generator), w = randn([3 * Dim, Dim], generator: generator), probe = randn([2, 5, 3 * Dim], generator: generator);
            for (int block = 0; block < Depth; block++)
                adapter.Apply(block, x, nn.functional.linear(x, adapter.QkvWeight(block, w))).mul(probe).sum().backward();
            return adapter.TrainableParameters().Select(p => p.Parameter.grad!.data<float>().ToArray()).ToArray();
        }

        float[][] stacked = Gradients(Stacked), folded = Gradients(Folded);
        Assert.Equal(stacked.Length, folded.Length);
        foreach ((float[] s, float[] f) in stacked.Zip(folded))
        {
            double scale = s.Max(v => Math.Abs((double)v)), difference = s.Zip(f).Max(p => Math.Abs((double)p.First - p.Second));
            Assert.True(scale > 0 && difference <= 1e-5 * Math.Max(1, scale), $"gradient differs by {difference:E2} (largest {scale:E2})");
        }
    }

    [Fact]
    public void A_new_direction_starts_as_a_no_op_and_only_it_and_the_magnitudes_train()
    {
        using var adapter = new LoraQkvAdapter(new ViTShape(Depth, Dim), CPU);
        using var generator = new Generator(3, CPU);
        adapter.StartDirection(10, generator);
        RandomiseTrainable(adapter, 4);
        adapter.SetMagnitudes([0.8], trainable: true);
        adapter.FreezeCurrent(DirectionNorm.FactorProduct);
        adapter.StartDirection(10, generator);
        adapter.SetMagnitudes([0.8, 0.8], trainable: true);

        var trainable = adapter.TrainableParameters().Select(p => p.Name).ToList();
        Assert.Equal(Depth * 4 + 1, trainable.Count);
        Assert.All(trainable.Where(n => n != "magnitudes"), name => Assert.StartsWith("lora.1.", name));

        // Kaiming-uniform A within ±1/√dim, B zero: the second direction adds nothing yet.
        Tensor a = adapter.TrainableParameters().First(p => p.Name.EndsWith("q.lora_A")).Parameter;
        Assert.True(a.abs().max().item<float>() <= 1 / MathF.Sqrt(Dim));
        Assert.True(a.abs().max().item<float>() > 0.8f / MathF.Sqrt(Dim));
        using Tensor x = randn(1, 3, Dim);
        using Tensor qkv = zeros(1, 3, 3 * Dim);
        using Tensor before = adapter.Apply(0, x, qkv).detach();
        adapter.SetMagnitudes([0.8, 5.0], trainable: true);
        using Tensor after = adapter.Apply(0, x, qkv).detach();
        Assert.Equal(before.data<float>().ToArray(), after.data<float>().ToArray());
    }

    [Fact]
    public void Absorbing_a_direction_that_repeats_an_earlier_one_drops_it_and_keeps_the_output()
    {
        using var adapter = new LoraQkvAdapter(new ViTShape(Depth, Dim), CPU);
        using var generator = new Generator(7, CPU);
        adapter.StartDirection(4, generator);
        RandomiseTrainable(adapter, 8);
        Tensor[] first = adapter.TrainableParameters().Select(p => p.Parameter.detach().clone()).ToArray();
        adapter.SetMagnitudes([0.8], trainable: true);
        adapter.FreezeCurrent(DirectionNorm.FactorProduct);
        adapter.StartDirection(4, generator);
        using (no_grad())   // the new direction is -2.5 times the first, module by module: B·A = -2.5·B₀·A₀
            foreach (((string name, Tensor parameter), Tensor earlier) in adapter.TrainableParameters().Zip(first))
                parameter.copy_(name.EndsWith("lora_B") ? earlier.mul(-2.5) : earlier);
        adapter.SetMagnitudes([0.9, 1.3], trainable: true);
        using Tensor x = randn(2, 3, Dim), qkv = randn(2, 3, 3 * Dim);
        Tensor[] before = Enumerable.Range(0, Depth).Select(b => adapter.Apply(b, x, qkv).detach()).ToArray();

        var fits = Cltool.Core.Adapters.Directions.DirectionAbsorption.Plan(adapter.Export(), adapter.MagnitudeValues(), 9e-4);
        adapter.Absorb(fits);

        Assert.All(fits, fit => Assert.True(fit.Absorbed, $"residual {fit.Residual:E2}"));
        var stored = adapter.Export();
        Assert.All(stored[1].Query.Concat(stored[1].Value), factors => Assert.Equal(0, factors.Rank));
        Assert.NotNull(stored[0].Offsets);
        for (int b = 0; b < Depth; b++)
        {
            using Tensor after = adapter.Apply(b, x, qkv).detach();
            double change = before[b].sub(after).abs().max().item<float>(), size = before[b].sub(qkv).abs().max().item<float>();
            Assert.True(change <= 1e-5 * Math.Max(1, size), $"block {b}: output changed by {change:E2} (adapter output up to {size:E2})");
        }
    }

    /// <summary>A frozen rank-4 direction (magnitude 1.3) and a trainable rank-3 one (ranks may differ: SD-LoRA-RR; magnitude -0.4).</summary>
    static LoraQkvAdapter TwoDirections(bool paper, int foldFromRank)
    {
        var adapter = new LoraQkvAdapter(new ViTShape(Depth, Dim), CPU, foldFromRank);
        using var generator = new Generator(11, CPU);
        adapter.CurrentNorm = paper ? DirectionNorm.Frobenius : null;
        adapter.StartDirection(4, generator);
        RandomiseTrainable(adapter, 1);
        adapter.SetMagnitudes([0.8], trainable: true);
        adapter.FreezeCurrent(paper ? DirectionNorm.Frobenius : DirectionNorm.FactorProduct);
        adapter.StartDirection(3, generator);
        RandomiseTrainable(adapter, 2);
        adapter.SetMagnitudes([1.3, -0.4], trainable: true);
        return adapter;
    }

    static void RandomiseTrainable(LoraQkvAdapter adapter, int seed)
    {
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed, CPU);
        foreach ((string name, Tensor parameter) in adapter.TrainableParameters())
            if (name.EndsWith("lora_B")) parameter.copy_(rand(parameter.shape, generator: generator).sub_(Scalars.Half));
    }

    static double[,] Product(float[] b, float[] a, int rank)
    {
        var result = new double[Dim, Dim];
        for (int r = 0; r < Dim; r++)
            for (int c = 0; c < Dim; c++)
                for (int k = 0; k < rank; k++) result[r, c] += (double)b[r * rank + k] * a[k * Dim + c];
        return result;
    }

    static double Frobenius(double[,] m) => Math.Sqrt(m.Cast<double>().Sum(v => v * v));
}
