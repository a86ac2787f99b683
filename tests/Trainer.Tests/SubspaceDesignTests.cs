using Cltool.Core.Adapters.Subspace;
using Cltool.Trainer.Adapters.Subspace;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>
/// InfLoRA's design and subspace growth against the invariants of reference/inflora.md §8 (float64 bookkeeping): the
/// designed rows are scaled orthonormal and orthogonal to the stored subspace, the subspace stays orthonormal and holds
/// the energy the threshold asks for, and on a synthetic layer the update provably leaves old inputs untouched.
/// </summary>
public sealed class SubspaceDesignTests
{
    const int Dim = 32;

    /// <summary>The second moments of <paramref name="samples"/> token rows confined to the first <paramref name="rank"/> directions of a random rotation, with decaying energy.</summary>
    static (Tensor Moments, Tensor Span) Inputs(int rank, int samples, long seed, Tensor? rotation = null)
    {
        using var generator = new Generator((ulong)seed, CPU);
        rotation ??= linalg.qr(randn([Dim, Dim], float64, generator: generator)).Q;
        Tensor span = rotation.narrow(1, 0, rank);
        Tensor scales = arange(rank, 0, -1, float64);
        Tensor tokens = randn([samples, rank], float64, generator: generator).mul(scales).mm(span.t());
        return (tokens.t().mm(tokens).div(samples), span);
    }

    static double MaxAbs(Tensor t) => t.abs().max().item<double>();

    [Fact]
    public void Designed_rows_are_orthonormal_scaled_by_one_over_root_three_and_orthogonal_to_the_stored_subspace()
    {
        (Tensor first, _) = Inputs(Dim, 4000, 1);
        SubspaceBasis memory = SubspaceDesign.Grow(first, SubspaceBasis.Empty(Dim), 0.95);
        Assert.InRange(memory.Size, 1, Dim - 1);
        (Tensor second, _) = Inputs(Dim, 4000, 2);

        (Tensor down, int designed) = SubspaceDesign.Design(second, memory, 10);

        Assert.Equal(10, designed);
        Assert.True(MaxAbs(down.mm(down.t()).sub(eye(10, dtype: float64).div(3))) <= 1e-12);   // T1
        Assert.True(MaxAbs(down.mul(Math.Sqrt(3)).mm(SubspaceDesign.Columns(memory))) <= 1e-8);   // T2
    }

    [Fact]
    public void The_subspace_stays_orthonormal_and_each_update_leaves_at_most_the_thresholds_share_of_energy_outside()
    {
        SubspaceBasis memory = SubspaceBasis.Empty(Dim);
        double[] thresholds = [0.9, 0.93, 0.96, 0.99];
        for (int task = 0; task < thresholds.Length; task++)
        {
            (Tensor moments, _) = Inputs(Dim, 3000, 10 + task);
            SubspaceBasis grown = SubspaceDesign.Grow(moments, memory, thresholds[task]);

            Assert.True(grown.Size >= memory.Size);
            Assert.True(grown.OrthonormalityError() <= 1e-10, $"task {task}: |MᵀM − I| {grown.OrthonormalityError():E2}");   // T3
            double total = moments.pow(2).sum().item<double>(), outside = SubspaceDesign.Residual(moments, grown).pow(2).sum().item<double>();
            if (task > 0) Assert.True(outside <= (1 - thresholds[task]) * total * (1 + 1e-9), $"task {task}: {outside / total:F4} of the energy is outside");   // T5
            else
            {
                // The first task keeps the components strictly below ε: allow the one that crosses it.
                double[] s = linalg.svdvals(moments).data<double>().ToArray();
                double crossing = s[grown.Size] * s[grown.Size] / total;
                Assert.True(outside <= (1 - thresholds[0] + crossing) * total * (1 + 1e-9));
            }
            memory = grown;
        }
    }

    [Fact]
    public void Inputs_confined_to_the_stored_subspace_leave_no_room_and_rank_deficient_inputs_design_only_the_rows_with_energy()
    {
        (Tensor old, Tensor span) = Inputs(6, 500, 3);
        SubspaceBasis memory = new(Dim, span.contiguous().data<double>().ToArray());

        (Tensor none, int nothing) = SubspaceDesign.Design(old, memory, 4);
        (Tensor few, int three) = SubspaceDesign.Design(Inputs(3, 500, 4).Moments, SubspaceBasis.Empty(Dim), 10);

        Assert.Equal(0, nothing);
        Assert.Equal(0, MaxAbs(none));
        Assert.Equal(3, three);
        Assert.Equal(0, MaxAbs(few.narrow(0, 3, 7)));
    }

    /// <summary>T6: old inputs in a 6-dimensional subspace S stored exactly; B trains on new inputs; ΔW·h vanishes for every h in S.</summary>
    [Fact]
    public void Training_the_up_projection_on_new_inputs_does_not_change_the_layers_output_on_old_inputs()
    {
        using var generator = new Generator(7, CPU);
        Tensor rotation = linalg.qr(randn([Dim, Dim], float64, generator: generator)).Q;
        (_, Tensor span) = Inputs(6, 500, 5, rotation);
        SubspaceBasis memory = new(Dim, span.contiguous().data<double>().ToArray());
        Tensor fresh = randn([400, Dim], float64, generator: generator);
        (Tensor down64, _) = SubspaceDesign.Design(fresh.t().mm(fresh).div(400), memory, 4);
        Tensor down = down64.to(float32), up = zeros([Dim, 4]).requires_grad_(true), weight = randn([Dim, Dim], generator: generator);
        Tensor inputs = fresh.to(float32), targets = randn([400, Dim], generator: generator);
        for (int step = 0; step < 20; step++)
        {
            Tensor loss = nn.functional.mse_loss(inputs.mm(weight.add(up.mm(down), Native.Scalars.One).t()), targets);
            up.grad?.zero_();
            loss.backward();
            using (no_grad()) up.sub_(up.grad!.mul(0.5));
        }

        Tensor delta = up.detach().mm(down), oldInputs = span.to(float32);
        Assert.True(up.abs().max().item<float>() > 1e-3, "the up-projection learned nothing");
        double leak = delta.mm(oldInputs).norm().item<float>() / oldInputs.norm().item<float>();
        Assert.True(leak <= 1e-6, $"‖ΔW·h‖/‖h‖ = {leak:E2} on old inputs");
    }
}
