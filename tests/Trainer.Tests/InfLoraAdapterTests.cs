using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Weights;
using Cltool.Trainer.Adapters.Subspace;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>InfLoRA's adapter against explicit computations written out here: forward on k and v only, the measured moments, the trainable set.</summary>
public sealed class InfLoraAdapterTests
{
    const int Dim = 16, Depth = 3, Adapted = 2, Rank = 3;

    static HostTensor Random(Random random, params long[] shape) =>
        new(Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), shape);

    /// <summary>Two finished tasks with seeded random factors in each adapted block.</summary>
    static InfLoraAdapter TwoTasks(bool trainLast = false)
    {
        var random = new Random(5);
        var adapter = new InfLoraAdapter(new ViTShape(Depth, Dim), Adapted, Rank, CPU);
        InfLoraFactors[] Tasks() => [.. Enumerable.Range(0, 2).Select(_ => new InfLoraFactors(Random(random, Rank, Dim), Random(random, Dim, Rank), Random(random, Dim, Rank)))];
        adapter.Load(new InfLoraState(Depth, [Tasks(), Tasks()], [SubspaceBasis.Empty(Dim), SubspaceBasis.Empty(Dim)]), trainLast);
        return adapter;
    }

    [Fact]
    public void The_qkv_output_adds_every_tasks_b_times_a_to_k_and_v_of_the_adapted_blocks_only()
    {
        using InfLoraAdapter adapter = TwoTasks();
        var state = (InfLoraState)adapter.State()!;
        Tensor x = randn([2, 5, Dim]), qkv = randn([2, 5, 3 * Dim]);

        Tensor adapted = adapter.Apply(1, x, qkv), untouched = adapter.Apply(2, x, qkv);

        Tensor Delta(Func<InfLoraFactors, LoraFactors> projection)
        {
            double[] dense = new double[Dim * Dim];
            foreach (InfLoraFactors task in state.Tasks[1]) projection(task).AddScaledProduct(dense, 1);
            return x.to(float64).matmul(tensor(dense, [Dim, Dim]).t());
        }
        Tensor expected = cat([qkv.narrow(2, 0, Dim).to(float64), qkv.narrow(2, Dim, Dim).to(float64).add(Delta(f => f.Key), Native.Scalars.One),
                               qkv.narrow(2, 2 * Dim, Dim).to(float64).add(Delta(f => f.Value), Native.Scalars.One)], 2);
        Assert.True(adapted.to(float64).sub(expected).abs().max().item<double>() < 1e-5);
        Assert.Equal(qkv.data<float>().ToArray(), untouched.data<float>().ToArray());
    }

    [Fact]
    public void A_new_task_starts_where_the_last_ended_and_trains_only_its_own_up_projections()
    {
        using InfLoraAdapter adapter = TwoTasks(trainLast: true);
        Tensor x = randn([2, 5, Dim]), qkv = randn([2, 5, 3 * Dim]);
        Tensor before = adapter.Apply(0, x, qkv).detach();
        Assert.Equal(2 * Adapted, adapter.TrainableParameters().Count());   // a resumed run trains the last task's B

        adapter.StartTask(Enumerable.Range(0, Adapted).Select(_ => randn([Rank, Dim], float64)).ToArray());

        Assert.True(adapter.Apply(0, x, qkv).sub(before).abs().max().item<float>() <= 1e-6);   // T8: B = 0
        (string Name, Tensor Parameter)[] trainable = [.. adapter.TrainableParameters()];
        Assert.Equal([SubspaceFamily.UpName(0, 2, "k"), SubspaceFamily.UpName(0, 2, "v"), SubspaceFamily.UpName(1, 2, "k"), SubspaceFamily.UpName(1, 2, "v")],
                     trainable.Select(p => p.Name));
        Assert.All(trainable, p => Assert.True(p.Parameter.requires_grad && p.Parameter.abs().max().item<float>() == 0));
    }

    [Fact]
    public void Measuring_accumulates_the_uncentred_second_moments_of_every_token_of_each_adapted_blocks_input()
    {
        using InfLoraAdapter adapter = TwoTasks();
        Tensor first = randn([4, 5, Dim]), second = randn([3, 5, Dim]), qkv = zeros([4, 5, 3 * Dim]);

        adapter.StartMeasuring();
        adapter.Apply(0, first, qkv);
        adapter.Apply(0, second, qkv.narrow(0, 0, 3));
        adapter.Apply(1, first, qkv);
        adapter.Apply(2, second, qkv.narrow(0, 0, 3));   // not adapted: not measured
        Tensor[] moments = adapter.StopMeasuring();

        Tensor tokens = cat([first.reshape(-1, Dim), second.reshape(-1, Dim)], 0).to(float64);
        Assert.Equal(Adapted, moments.Length);
        Assert.True(moments[0].sub(tokens.t().mm(tokens).div(35)).abs().max().item<double>() < 1e-12);
        Tensor firstTokens = first.reshape(-1, Dim).to(float64);
        Assert.True(moments[1].sub(firstTokens.t().mm(firstTokens).div(20)).abs().max().item<double>() < 1e-12);
    }
}
