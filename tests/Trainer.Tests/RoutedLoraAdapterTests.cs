using Cltool.Core.Adapters.Routed;
using Cltool.Core.Weights;
using Cltool.Trainer.Adapters.Routed;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Native;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>C-LoRA's adapter against explicit float64 computations written out here: forward, gradients, penalty.</summary>
public sealed class RoutedLoraAdapterTests
{
    const int Dim = 16, Depth = 2, Rank = 4;

    /// <summary>A stored adapter with seeded random Down, Up, R_old and (optionally) R_δ in every module.</summary>
    static RoutedLora Stored(int seed, bool withDelta = true, Func<int, int, float[]>? routingOld = null)
    {
        var random = new Random(seed);
        HostTensor Random(params long[] shape) =>
            new(Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), shape);
        return new RoutedLora(Enumerable.Range(0, Depth).Select(b => Enumerable.Range(0, 2).Select(t => new RoutedLoraModule(
            Random(Rank, Dim), Random(Dim, Rank),
            routingOld is null ? Random(Rank, Rank) : new HostTensor(routingOld(b, t), [Rank, Rank]),
            withDelta ? Random(Rank, Rank) : null)).ToArray()).ToArray(), new CLoraSettings());
    }

    static RoutedLoraAdapter Adapter(CLoraSettings settings, RoutedLora stored, bool trainable = true)
    {
        var adapter = new RoutedLoraAdapter(new ViTShape(Depth, Dim), settings, Rank, CPU);
        adapter.Load(stored, trainable);
        return adapter;
    }

    [Theory]
    [InlineData(CLoraSettings.QueryValue, true)]
    [InlineData(CLoraSettings.KeyValue, true)]
    [InlineData(CLoraSettings.QueryValue, false)]
    public void Qkv_output_equals_the_dense_weight_plus_up_routing_down_on_each_target(string targets, bool stopOldGradient)
    {
        var settings = new CLoraSettings { Targets = targets, StopOldGradient = stopOldGradient };
        RoutedLora stored = Stored(3);
        using RoutedLoraAdapter adapter = Adapter(settings, stored);
        var random = new Random(9);
        double[] weight = Enumerable.Range(0, 3 * Dim * Dim).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] x = Enumerable.Range(0, 2 * 3 * Dim).Select(_ => random.NextDouble() - 0.5).ToArray();
        int[] rows = targets == CLoraSettings.KeyValue ? [Dim, 2 * Dim] : [0, 2 * Dim];

        for (int block = 0; block < Depth; block++)
        {
            // Dense: W' = W + Up·(R_old + R_δ)·Down on each target's rows, every product in float64 here.
            double[] dense = (double[])weight.Clone();
            for (int t = 0; t < 2; t++)
            {
                RoutedLoraModule m = stored.Modules[block][t];
                for (int r = 0; r < Dim; r++)
                    for (int c = 0; c < Dim; c++)
                        for (int i = 0; i < Rank; i++)
                            for (int j = 0; j < Rank; j++)
                                dense[(rows[t] + r) * Dim + c] += (double)m.Up.Data[r * Rank + i] * (m.RoutingOld.Data[i * Rank + j] + (double)m.RoutingDelta!.Data[i * Rank + j]) * m.Down.Data[j * Dim + c];
            }
            using Tensor input = tensor(x.Select(v => (float)v).ToArray(), [2, 3, Dim]);
            using Tensor w = tensor(weight.Select(v => (float)v).ToArray(), [3 * Dim, Dim]);
            using Tensor qkv = nn.functional.linear(input, w);
            using Tensor actual = adapter.Apply(block, input, qkv).detach();
            float[] got = actual.data<float>().ToArray();

            double maxDiff = 0;
            for (int token = 0; token < 6; token++)
                for (int o = 0; o < 3 * Dim; o++)
                {
                    double expected = 0;
                    for (int c = 0; c < Dim; c++) expected += dense[o * Dim + c] * x[token * Dim + c];
                    maxDiff = Math.Max(maxDiff, Math.Abs(expected - got[token * 3 * Dim + o]));
                }
            Assert.True(maxDiff < 1e-5, $"block {block}: max |difference| {maxDiff:E2}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_old_route_gives_the_shared_factors_gradient_only_in_the_plain_variant(bool stopOldGradient)
    {
        var settings = new CLoraSettings { StopOldGradient = stopOldGradient };
        RoutedLora withOld = Stored(5);
        RoutedLora withoutOld = withOld with
        {
            Modules = withOld.Modules.Select(block => block.Select(m => m with { RoutingOld = new HostTensor(new float[Rank * Rank], [Rank, Rank]) }).ToArray()).ToArray(),
        };
        float[] GradientOfSharedFactors(RoutedLora stored)
        {
            using RoutedLoraAdapter adapter = Adapter(settings, stored);
            using var generator = new Generator(2, CPU);
            using Tensor x = randn([2, 3, Dim], generator: generator), probe = randn([2, 3, 3 * Dim], generator: generator);
            using Tensor qkv = zeros(2, 3, 3 * Dim);
            using Tensor loss = adapter.Apply(0, x, qkv).mul(probe).sum();
            loss.backward();
            return adapter.TrainableParameters().Where(p => !p.Name.EndsWith("routing_delta"))
                .SelectMany(p => p.Parameter.grad is { } g ? g.data<float>().ToArray() : new float[p.Parameter.numel()]).ToArray();
        }

        float[] with = GradientOfSharedFactors(withOld), without = GradientOfSharedFactors(withoutOld);

        // Stopped: A and B learn only through R_δ, so R_old changes nothing in their gradient; plain: it does.
        Assert.Contains(with, g => g != 0);
        if (stopOldGradient) Assert.Equal(without, with);
        else Assert.True(with.Zip(without).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void The_first_task_starts_as_a_live_no_op_and_a_later_task_where_the_last_one_ended()
    {
        using var adapter = new RoutedLoraAdapter(new ViTShape(Depth, Dim), new CLoraSettings(), Rank, CPU);
        using var generator = new Generator(4, CPU);
        adapter.Start(generator);
        using Tensor x = randn(2, 3, Dim), qkv = randn(2, 3, 3 * Dim), probe = randn(2, 3, 3 * Dim);
        using (Tensor output = adapter.Apply(1, x, qkv).detach()) Assert.Equal(qkv.data<float>().ToArray(), output.data<float>().ToArray());

        // Not a dead start: with R_δ = I the up-projection gets gradient at once (it would get none with R = 0).
        using (Tensor loss = adapter.Apply(1, x, qkv).mul(probe).sum()) loss.backward();
        Tensor up = adapter.TrainableParameters().First(p => p.Name == "clora.blocks.1.attn.v.lora_B").Parameter;
        Assert.True(up.grad!.abs().max().item<float>() > 0);
        Assert.Equal(3 * Depth * 2, adapter.TrainableParameters().Count());

        using (no_grad())
            foreach ((string _, Tensor parameter) in adapter.TrainableParameters()) parameter.add_(rand(parameter.shape).sub_(Scalars.Half));
        using Tensor trained = adapter.Apply(1, x, qkv).detach();
        adapter.MergeRoutingDelta();
        Assert.Equal(2 * Depth * 2, adapter.TrainableParameters().Count());   // Down and Up stay shared and trainable
        adapter.StartRoutingDelta();
        using Tensor next = adapter.Apply(1, x, qkv).detach();
        Assert.True(trained.sub(next).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void The_raw_penalty_is_the_squared_frobenius_norm_of_r_old_transposed_times_r_delta()
    {
        RoutedLora stored = Stored(6);
        using RoutedLoraAdapter adapter = Adapter(new CLoraSettings { Basis = CLoraSettings.RawBasis }, stored);

        double expected = stored.Modules.SelectMany(m => m).Sum(m => SquaredNorm(m.RoutingOld.Data, m.RoutingDelta!.Data, Rank));

        using Tensor penalty = adapter.OrthogonalityPenalty()!;
        Assert.Equal(expected, penalty.item<float>(), 5);
    }

    [Fact]
    public void The_energy_penalty_projects_r_delta_on_the_singular_vectors_holding_the_energy_share()
    {
        // R_old = diag(3, 2, 1, 0.5): Σσ² = 14.25 and the top 1, 2, 3 vectors hold 63 %, 91 % and 98 %, so ε = 0.95 keeps
        // e1, e2 and e3, and the penalty is the squared norm of R_δ's first three rows.
        float[] diagonal = [3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0.5f];
        RoutedLora stored = Stored(7, routingOld: (_, _) => diagonal);
        using RoutedLoraAdapter adapter = Adapter(new CLoraSettings { Energy = 0.95 }, stored);

        double expected = stored.Modules.SelectMany(m => m).Sum(m => m.RoutingDelta!.Data.Take(3 * Rank).Sum(v => (double)v * v));

        using Tensor penalty = adapter.OrthogonalityPenalty()!;
        Assert.Equal(expected, penalty.item<float>(), 5);
    }

    [Fact]
    public void There_is_no_penalty_before_an_old_routing_exists()
    {
        RoutedLora stored = Stored(8, routingOld: (_, _) => new float[Rank * Rank]);
        using RoutedLoraAdapter adapter = Adapter(new CLoraSettings(), stored);

        Assert.Null(adapter.OrthogonalityPenalty());
    }

    /// <summary>‖Qᵀ·D‖²_F for row-major r×r matrices Q and D.</summary>
    static double SquaredNorm(float[] q, float[] d, int r)
    {
        double sum = 0;
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++)
            {
                double value = 0;
                for (int k = 0; k < r; k++) value += (double)q[k * r + i] * d[k * r + j];
                sum += value * value;
            }
        return sum;
    }
}
